from core.api.routers import IdRouter
from crm.api.views import TeamViewSet, TerritoryViewSet, UserViewSet

router = IdRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("territories", TerritoryViewSet, basename="territory")
urlpatterns = router.urls
