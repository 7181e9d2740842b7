from core.api.routers import IdRouter
from visits.api.views import (
    OccasionViewSet,
    ReminderViewSet,
    TouchViewSet,
    VisitPlanViewSet,
    VisitViewSet,
)

router = IdRouter()
router.register("visits", VisitViewSet, basename="visit")
router.register("visit-plans", VisitPlanViewSet, basename="visit-plan")
router.register("touches", TouchViewSet, basename="touch")
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("occasions", OccasionViewSet, basename="occasion")
urlpatterns = router.urls
