from commitments.api.views import TaskViewSet
from core.api.routers import IdRouter

router = IdRouter()
router.register("tasks", TaskViewSet, basename="task")
urlpatterns = router.urls
