"""The receivables API's serializers; writes go through receivables.services (which re-check
scope and the money rules). Amounts are decimal strings, never floats."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.selectors import accounts_visible_to
from crm.selectors import users_assignable_by, users_visible_to
from receivables.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Contract,
    Payment,
    PaymentAllocation,
    PlanEntry,
)
from receivables.selectors import BUCKET_KEYS, GROUPS, contracts_visible_to, entries_visible_to
from receivables.services import MAX_DAY, MIN_DAY, plan_terms_parse


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


class PlanEntrySerializer(serializers.ModelSerializer):
    due = serializers.DateField(read_only=True, allow_null=True)
    paid = money_field(read_only=True)
    outstanding = money_field(read_only=True)

    class Meta:
        model = PlanEntry
        fields = [
            "id",
            "position",
            "label",
            "percent",
            "amount",
            "due_date",
            "event",
            "days_after",
            "due",
            "paid",
            "outstanding",
        ]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    terms = serializers.CharField(
        write_only=True,
        required=False,
        help_text='The payment plan, replacing the current one: "30% signing; 60% delivery '
        '+30; 10% acceptance +90" or "5000 2027-03-31", one entry per line or ";".',
    )
    entries = serializers.SerializerMethodField()
    planned = money_field(read_only=True)
    paid = money_field(read_only=True)
    received = money_field(read_only=True)
    outstanding = money_field(read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "account",
            "number",
            "title",
            "signed_on",
            "amount",
            "end_on",
            "delivered_on",
            "accepted_on",
            "owner",
            "status",
            "notes",
            "terms",
            "entries",
            "planned",
            "paid",
            "received",
            "outstanding",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        extra_kwargs = {"owner": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        user = request.user
        scoped = {
            "account": accounts_visible_to(user),
            "owner": users_assignable_by(user)
            if request.method not in ("GET", "HEAD", "OPTIONS")
            else users_visible_to(user),
        }
        for name, queryset in scoped.items():
            field = self.fields.get(name)
            if field is not None and not field.read_only:
                field.queryset = queryset  # type: ignore[attr-defined]

    def validate_terms(self, value: str):
        try:
            return plan_terms_parse(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["terms"]) from None

    @extend_schema_field(PlanEntrySerializer(many=True))
    def get_entries(self, obj: Contract) -> list[dict]:
        """The plan with each entry's balance (prefetched by the view, with the balances)."""
        return PlanEntrySerializer(obj.entries.all(), many=True).data


class VisibleEntryField(serializers.PrimaryKeyRelatedField):
    """A plan entry of a contract the caller sees (another reads as a missing id)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return PlanEntry.objects.none()
        return entries_visible_to(request.user)


class AllocationSerializer(serializers.ModelSerializer):
    entry = VisibleEntryField(queryset=PlanEntry.objects.none())
    amount = money_field()

    class Meta:
        model = PaymentAllocation
        fields = ["entry", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, required=False)
    allocated = money_field(read_only=True)
    unallocated = money_field(read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "account",
            "contract",
            "received_on",
            "amount",
            "reference",
            "is_advance",
            "notes",
            "allocations",
            "allocated",
            "unallocated",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        self.fields["account"].queryset = accounts_visible_to(request.user)  # type: ignore[attr-defined]
        self.fields["contract"].queryset = contracts_visible_to(request.user)  # type: ignore[attr-defined]


class AgingQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=list(GROUPS), default="account")
    as_of = serializers.DateField(required=False)

    def validate_as_of(self, value):
        if not MIN_DAY <= value <= MAX_DAY:
            raise serializers.ValidationError(_("Give a day between 1900 and 2999."))
        return value


class AgingRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    buckets = serializers.DictField(child=money_field(), help_text=", ".join(BUCKET_KEYS))
    total = money_field()
    overdue = money_field()


class ExpectedMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    amount = money_field()


class AgingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    group_by = serializers.CharField()
    currency = serializers.CharField()
    rows = AgingRowSerializer(many=True)
    totals = AgingRowSerializer()
    dso = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    overdue_total = money_field()
    unscheduled = money_field()
    expected = ExpectedMonthSerializer(many=True)
