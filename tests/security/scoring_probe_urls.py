"""The project's URLs plus what scoring will add (a page and API routes), for the test that
the oracle names new scoring endpoints instead of passing them silently."""

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from config.urls import urlpatterns as project_urlpatterns


def dashboard(request):
    return HttpResponse("")


class TierHistoryViewSet(viewsets.ViewSet):
    def list(self, request):
        return Response([])


router = SimpleRouter()
router.register("tiers", TierHistoryViewSet, basename="tier-history")
scoring_pages = (
    [
        path("dashboard/", dashboard, name="dashboard"),
        path("accounts/<int:account_pk>/tiers/", dashboard, name="account_tiers"),
    ],
    "scoring",
)
urlpatterns = [
    path("scoring/", include(scoring_pages)),
    path("api/v1/scoring/", include(router.urls)),
    *project_urlpatterns,
]
