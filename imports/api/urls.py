from core.api.routers import IdSimpleRouter
from imports.api.views import ImportBatchViewSet, ImportMappingViewSet

router = IdSimpleRouter()
router.register("imports/mappings", ImportMappingViewSet, basename="import-mapping")
router.register("imports", ImportBatchViewSet, basename="import-batch")
urlpatterns = router.urls
