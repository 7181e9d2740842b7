from django.urls import path

from core.api.routers import IdSimpleRouter
from scoring.api.views import ParetoView, PriorityView, QuadrantsView, RunViewSet, TierViewSet

app_name = "scoring-api"
router = IdSimpleRouter()
router.register("tiers", TierViewSet, basename="tier")
router.register("runs", RunViewSet, basename="run")
urlpatterns = [
    path("pareto/", ParetoView.as_view(), name="pareto"),
    path("quadrants/", QuadrantsView.as_view(), name="quadrants"),
    path("priority/", PriorityView.as_view(), name="priority"),
    *router.urls,
]
