from django.urls import path

from accounts.api.views import (
    AccountCompetitorViewSet,
    AccountTeamMemberViewSet,
    AccountViewSet,
    CompetitorViewSet,
    ContactViewSet,
    OrderViewSet,
)
from accounts.export_views import export_api
from core.api.routers import IdRouter

router = IdRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("orders", OrderViewSet, basename="order")
router.register("account-team-members", AccountTeamMemberViewSet, basename="account-team-member")
router.register("competitors", CompetitorViewSet, basename="competitor")
router.register("account-competitors", AccountCompetitorViewSet, basename="account-competitor")
urlpatterns = [
    path("exports/<str:entity>.<str:ext>", export_api, name="export"),
    *router.urls,
]
