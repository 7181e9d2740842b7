from accounts.imports.api.views import ImportBatchViewSet, ImportMappingViewSet
from core.api.routers import IdSimpleRouter

router = IdSimpleRouter()
router.register("imports/mappings", ImportMappingViewSet, basename="import-mapping")
router.register("imports", ImportBatchViewSet, basename="import-batch")
urlpatterns = router.urls
