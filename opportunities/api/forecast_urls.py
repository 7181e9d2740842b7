"""API of targets and the forecast: /api/v1/targets/, /api/v1/forecast/."""

from django.urls import path

from core.api.routers import IdRouter
from opportunities.api.forecast import ForecastView, PerformanceView
from opportunities.api.targets import TargetViewSet

router = IdRouter()
router.register("targets", TargetViewSet, basename="target")
urlpatterns = [
    path("forecast/", ForecastView.as_view(), name="forecast"),
    path("forecast/performance/", PerformanceView.as_view(), name="forecast-performance"),
    *router.urls,
]
