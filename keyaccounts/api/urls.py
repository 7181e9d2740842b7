from core.api.routers import IdRouter
from keyaccounts.api.views import KeyAccountPlanViewSet

router = IdRouter()
router.register("key-account-plans", KeyAccountPlanViewSet, basename="key-account-plan")
urlpatterns = router.urls
