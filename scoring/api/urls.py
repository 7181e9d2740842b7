from django.urls import path
from rest_framework.routers import SimpleRouter

from scoring.api.views import ParetoView, PriorityView, QuadrantsView, RunViewSet, TierViewSet

app_name = "scoring-api"
router = SimpleRouter()
router.register("tiers", TierViewSet, basename="tier")
router.register("runs", RunViewSet, basename="run")
urlpatterns = [
    path("pareto/", ParetoView.as_view(), name="pareto"),
    path("quadrants/", QuadrantsView.as_view(), name="quadrants"),
    path("priority/", PriorityView.as_view(), name="priority"),
    *router.urls,
]
