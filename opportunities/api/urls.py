"""API of deals: /api/v1/opportunities/ (and the stages and loss reasons they use)."""

from core.api.routers import IdRouter
from opportunities.api.views import LossReasonViewSet, OpportunityViewSet, StageViewSet

router = IdRouter()
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("opportunity-stages", StageViewSet, basename="opportunity-stage")
router.register("loss-reasons", LossReasonViewSet, basename="loss-reason")
urlpatterns = router.urls
