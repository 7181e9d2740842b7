"""API of targets and the forecast: /api/v1/targets/, /api/v1/forecast/."""

from core.api.routers import IdRouter
from opportunities.api.targets import TargetViewSet

router = IdRouter()
router.register("targets", TargetViewSet, basename="target")
urlpatterns = list(router.urls)
