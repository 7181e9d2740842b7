from rest_framework.routers import DefaultRouter

from accounts.api.views import AccountViewSet, ContactViewSet, OrderViewSet

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("orders", OrderViewSet, basename="order")
urlpatterns = router.urls
