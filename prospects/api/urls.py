from rest_framework.routers import DefaultRouter

from prospects.api.views import ProspectViewSet, WorksheetViewSet

router = DefaultRouter()
router.register("prospects", ProspectViewSet, basename="prospect")
router.register("worksheets", WorksheetViewSet, basename="worksheet")
urlpatterns = router.urls
