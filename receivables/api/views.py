"""`/api/v1/contracts/` and `/api/v1/payments/`: records of accounts the caller sees (one
outside their sight answers 404); writes go through receivables.services.
`/api/v1/receivables/aging/`: the aging of the caller's book."""

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.request import request_user
from receivables import services
from receivables.api.serializers import (
    AgingQuerySerializer,
    AgingSerializer,
    ContractSerializer,
    PaymentSerializer,
)
from receivables.filters import ContractFilter, PaymentFilter
from receivables.models import Contract, PlanEntry
from receivables.selectors import (
    BUCKET_KEYS,
    GROUPS,
    aging,
    contracts_visible_to,
    contracts_with_balance,
    entries_with_balance,
    payments_visible_to,
    payments_with_balance,
)


class ContractViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contracts (合同) with their payment plan and balances (derived, never typed). Filters:
    `status`, `account`, `owner`, `signed_from`, `signed_to`, `q`. `terms` (write-only)
    replaces the plan. Contracts are not deleted: cancel one (`status`)."""

    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["signed_on", "amount", "number", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        entries = entries_with_balance(PlanEntry.objects.order_by("position", "id"))
        return contracts_with_balance(contracts_visible_to(self.request.user)).prefetch_related(
            Prefetch("entries", queryset=entries)
        )

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        terms = data.pop("terms", None)
        actor = request_user(request)
        contract = services.contract_create(actor=actor, data=data)
        if terms is not None:
            services.contract_plan_set(actor=actor, contract=contract, terms=terms)
        return Response(self._fresh(contract), status=status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        terms = data.pop("terms", None)
        actor = request_user(request)
        contract = services.contract_update(actor=actor, contract=instance, data=data)
        if terms is not None:
            services.contract_plan_set(actor=actor, contract=contract, terms=terms)
        return Response(self._fresh(contract))

    def _fresh(self, contract: Contract) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=contract.pk)).data


class PaymentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Payments received (回款记录). A payment is allocated to `allocations` when given, else
    to the oldest-due entries of its contract (else of its account); one larger than what it
    pays is refused unless `is_advance`. Filters: `account`, `contract`, `received_from`,
    `received_to`, `is_advance`. Payments are not edited: delete one and record it again."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["received_on", "amount", "id"]
    ordering = ["-id"]

    def get_queryset(self):
        return payments_with_balance(payments_visible_to(self.request.user)).prefetch_related(
            "allocations"
        )

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.payment_record(
            actor=request_user(request),
            account=data["account"],
            contract=data.get("contract"),
            amount=data["amount"],
            received_on=data["received_on"],
            reference=data.get("reference", ""),
            is_advance=data.get("is_advance", False),
            notes=data.get("notes", ""),
            allocations=[(row["entry"], row["amount"]) for row in data.get("allocations", [])],
        )
        fresh = self.get_queryset().get(pk=payment.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.payment_delete(actor=request_user(request), payment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgingView(APIView):
    """Aging (账龄) of the caller's book: outstanding amounts of plan entries by days overdue
    (not yet due, 0–30, 31–60, 61–90, over 90) grouped by `group_by` (rep, team, tier,
    account) on `as_of` (default today), with DSO and the cash expected per month."""

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", enum=list(GROUPS), default="account"),
            OpenApiParameter("as_of", type=str, description="YYYY-MM-DD; default today"),
        ],
        responses=AgingSerializer,
    )
    def get(self, request):
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        result = aging(request.user, group_by=query.validated_data["group_by"], as_of=as_of)

        def row(r):
            return {
                "key": None if r.key is None else str(r.key),
                "label": r.label,
                "buckets": {k: r.buckets[k] for k in BUCKET_KEYS},
                "total": r.total,
                "overdue": r.overdue,
            }

        body = {
            "as_of": result.as_of,
            "group_by": result.group_by,
            "currency": settings.CRM_CURRENCY,
            "rows": [row(r) for r in result.rows],
            "totals": row(result.totals),
            "dso": result.dso,
            "overdue_total": result.overdue_total,
            "unscheduled": result.unscheduled,
            "expected": [{"month": m, "amount": a} for m, a in result.expected],
        }
        return Response(AgingSerializer(body).data)
