from core.api.routers import IdRouter
from playbook.api.views import (
    IntelligenceAnswerViewSet,
    IntelligenceQuestionViewSet,
    TalkTrackViewSet,
)

router = IdRouter()
router.register("talk-tracks", TalkTrackViewSet, basename="talk-track")
router.register(
    "intelligence-questions", IntelligenceQuestionViewSet, basename="intelligence-question"
)
router.register("intelligence-answers", IntelligenceAnswerViewSet, basename="intelligence-answer")
urlpatterns = router.urls
