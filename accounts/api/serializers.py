"""Serializers: plain read shapes for fast lists, model serializers for writes.

Writes go through accounts.services, which re-check the caller's scope."""

from typing import cast

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.models import (
    Account,
    AccountCompetitor,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)
from accounts.selectors import accounts_visible_to, contacts_visible_to
from crm.models import User
from crm.selectors import users_assignable_by

ACCOUNT_LIST_FIELDS = [
    "id",
    "name",
    "uscc",
    "external_code",
    "industry",
    "territory_id",
    "channel",
    "lifecycle",
    "source",
    "owner_id",
    "tier",
    "phone",
    "created_at",
    "updated_at",
]
# Where the account is on the sales map: in an account's own answer (not the fast list: the
# map's API lists located accounts), read-only, set by POST …/<id>/location/
# (accounts.services.account_location_set).
LOCATION_FIELDS = ["latitude", "longitude", "location_source", "location_updated_at"]


class AccountListSerializer(serializers.Serializer):
    """Documents the list shape; the list itself is built from `.values()` for speed."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)
    external_code = serializers.CharField(allow_null=True)
    industry = serializers.CharField()
    territory_id = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField()
    lifecycle = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # the API field, not Field.source
    owner_id = serializers.IntegerField()
    tier = serializers.CharField()
    phone = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "normalized_name",
            "uscc",
            "external_code",
            "industry",
            "territory",
            "channel",
            "lifecycle",
            "lifecycle_changed_at",
            "source",
            "owner",
            "address",
            "phone",
            "website",
            "notes",
            "revenue_potential",
            "parent",
            "tier",
            "tier_updated_at",
            "import_batch",
            *LOCATION_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "normalized_name",
            "lifecycle_changed_at",
            "tier",
            "tier_updated_at",
            "import_batch",
            *LOCATION_FIELDS,
            "created_at",
            "updated_at",
        ]
        # `tier` and `location_source` are blank until set: the schema must allow "" too.
        extra_kwargs = {
            "owner": {"required": False},
            "tier": {"allow_blank": True},
            "location_source": {"allow_blank": True},
            "parent": {"required": False},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Whom the caller may hand accounts to, and the current owner (who may have left).
            choices = Q(pk__in=users_assignable_by(request.user).values("pk"))
            owner_id = getattr(self.instance, "owner_id", None)
            if owner_id:
                choices |= Q(pk=owner_id)
            # The stubs type self.fields as plain Field; cast to the field's own class.
            field = cast(serializers.RelatedField, self.fields["owner"])
            # drf-stubs type `queryset` as a Manager, which mypy reads as a descriptor.
            field.queryset = User.objects.filter(choices)  # type: ignore[arg-type]
            self.fields["owner"].error_messages["does_not_exist"] = _(
                "You cannot assign accounts to this user."
            )
            # The group (集团): an account the caller sees, or the current parent. A hidden
            # account answers like a missing one (400, "Select a parent account you can see.").
            parents = Q(pk__in=accounts_visible_to(request.user).values("pk"))
            parent_id = getattr(self.instance, "parent_id", None)
            if parent_id:
                parents |= Q(pk=parent_id)
            parent = cast(serializers.RelatedField, self.fields["parent"])
            parent.queryset = Account.objects.filter(parents)  # type: ignore[arg-type]
            parent.error_messages["does_not_exist"] = _("Select a parent account you can see.")


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "name",
            "title",
            "role",
            "phone",
            "email",
            "chat_handle",
            "birthday_month",
            "birthday_day",
            "birthday_year",
            "interests",
            "notes",
            "reports_to",
            "stance",
            "influence",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # The stubs type self.fields as plain Field; cast to the field's own class.
            field = cast(serializers.RelatedField, self.fields["account"])
            # drf-stubs type `queryset` as a Manager, which mypy reads as a descriptor.
            field.queryset = accounts_visible_to(request.user)  # type: ignore[arg-type]
            # Another book's contact is not a choice (400, like a missing one); the same
            # account and no cycle are the service's checks.
            boss = cast(serializers.RelatedField, self.fields["reports_to"])
            boss.queryset = contacts_visible_to(request.user)  # type: ignore[arg-type]


class OrderSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "account",
            "date",
            "amount",
            "invoice_number",
            "product",
            "quantity",
            "unit_price",
            "profit",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # The stubs type self.fields as plain Field; cast to the field's own class.
            field = cast(serializers.RelatedField, self.fields["account"])
            # drf-stubs type `queryset` as a Manager, which mypy reads as a descriptor.
            field.queryset = accounts_visible_to(request.user)  # type: ignore[arg-type]

    def validate(self, attrs):
        amount = attrs.get("amount", getattr(self.instance, "amount", None))
        if amount is None and (attrs.get("quantity") is None or attrs.get("unit_price") is None):
            raise serializers.ValidationError(
                {"amount": _("Give the amount, or both quantity and unit price.")}
            )
        return attrs


class AccountLocationSerializer(serializers.Serializer):
    """POST /api/v1/accounts/<id>/location/: put the account on the map."""

    # Any number of decimals in; the service checks the range and keeps six places.
    latitude = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="WGS-84 degrees, -90 to 90."
    )
    longitude = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="WGS-84 degrees, -180 to 180."
    )
    location_source = serializers.ChoiceField(
        choices=[
            Account.LocationSource.PIN,
            Account.LocationSource.GEOCODER,
            Account.LocationSource.IMPORT,
        ],
        default=Account.LocationSource.PIN,
        help_text="Where the position came from (default: pin, placed by hand).",
    )


class BulkReassignSerializer(serializers.Serializer):
    """POST /api/v1/accounts/bulk-reassign/: `account_ids`, or `filter` (the account list's
    filter parameters, e.g. {"owner": "7", "tier": "A"}: every account of the caller's book
    that matches), to `new_owner`, with a `reason` kept in the audit trail."""

    account_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=10_000,
    )
    filter = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200), required=False
    )
    new_owner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(allow_blank=True, max_length=500, trim_whitespace=True)


class BulkReassignResultSerializer(serializers.Serializer):
    reassigned = serializers.IntegerField(help_text=_("How many accounts changed owner."))
    account_ids = serializers.ListField(child=serializers.IntegerField())


class AccountTeamMemberSerializer(serializers.ModelSerializer):
    """A member of an account's team. `user` and `account` are set when the member is added
    (POST /api/v1/accounts/<id>/team/) and never change; PATCH changes `role` and `access`."""

    class Meta:
        model = AccountTeamMember
        fields = ["id", "account", "user", "role", "access", "added_by", "created_at"]
        read_only_fields = ["account", "user", "added_by", "created_at"]


class AccountTeamMemberAddSerializer(serializers.Serializer):
    """POST /api/v1/accounts/<id>/team/: the user to add, with a role and an access level."""

    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.ChoiceField(
        choices=AccountTeamMember.Role.choices, default=AccountTeamMember.Role.OTHER
    )
    access = serializers.ChoiceField(
        choices=AccountTeamMember.Access.choices, default=AccountTeamMember.Access.READ
    )


class StrictBooleanField(serializers.BooleanField):
    """true or false (JSON booleans, or the words in a form body), never 0, 1, "yes"…: what
    the schema says a boolean is."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class CompetitorSerializer(serializers.ModelSerializer):
    is_active = StrictBooleanField(required=False, default=True)

    class Meta:
        model = Competitor
        fields = ["id", "name", "website", "notes", "is_active", "created_at"]
        read_only_fields = ["created_at"]


class AccountCompetitorSerializer(serializers.ModelSerializer):
    """An incumbent supplier of an account (share of the customer's spend in percent)."""

    class Meta:
        model = AccountCompetitor
        fields = [
            "id",
            "account",
            "competitor",
            "share",
            "contract_end",
            "price_notes",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Another book's account answers like a missing one (400 on `account`).
            field = cast(serializers.RelatedField, self.fields["account"])
            field.queryset = accounts_visible_to(request.user)  # type: ignore[arg-type]
