from rest_framework.routers import DefaultRouter

from crm.api.views import TeamViewSet, TerritoryViewSet, UserViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("territories", TerritoryViewSet, basename="territory")
urlpatterns = router.urls
