from core.api.routers import IdRouter
from robots.api.views import RobotViewSet

router = IdRouter()
router.register("robots", RobotViewSet, basename="robot")
urlpatterns = router.urls
