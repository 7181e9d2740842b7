from rest_framework.routers import SimpleRouter

from accounts.imports.api.views import ImportBatchViewSet, ImportMappingViewSet

router = SimpleRouter()
router.register("imports/mappings", ImportMappingViewSet, basename="import-mapping")
router.register("imports", ImportBatchViewSet, basename="import-batch")
urlpatterns = router.urls
