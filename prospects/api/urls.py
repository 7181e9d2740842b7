from core.api.routers import IdRouter
from prospects.api.views import ProspectViewSet, WorksheetViewSet

router = IdRouter()
router.register("prospects", ProspectViewSet, basename="prospect")
router.register("worksheets", WorksheetViewSet, basename="worksheet")
urlpatterns = router.urls
