from django.urls import path

from accounts.api.views import AccountViewSet, ContactViewSet, OrderViewSet
from accounts.export_views import export_api
from core.api.routers import IdRouter

router = IdRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("orders", OrderViewSet, basename="order")
urlpatterns = [
    path("exports/<str:entity>.<str:ext>", export_api, name="export"),
    *router.urls,
]
