"""API of receivables: /api/v1/contracts/, /api/v1/payments/, /api/v1/receivables/aging/."""

from django.urls import path

from core.api.routers import IdRouter
from receivables.api.views import AgingView, ContractViewSet, PaymentViewSet

router = IdRouter()
router.register("contracts", ContractViewSet, basename="contract")
router.register("payments", PaymentViewSet, basename="payment")
urlpatterns = [
    path("receivables/aging/", AgingView.as_view(), name="receivables-aging"),
    *router.urls,
]
