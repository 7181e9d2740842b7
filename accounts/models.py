"""Accounts (business customers), their contacts and their order lines (revenue)."""

import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.normalize import validate_uscc


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class AccountQuerySet(models.QuerySet):
    def tier(self, tier: str) -> "AccountQuerySet":
        return self.filter(tier=tier)

    def owned_by(self, user) -> "AccountQuerySet":
        return self.filter(owner=user)

    def existing(self) -> "AccountQuerySet":
        return self.filter(lifecycle=Account.Lifecycle.EXISTING)

    def potential(self) -> "AccountQuerySet":
        return self.filter(lifecycle=Account.Lifecycle.POTENTIAL)


class Account(models.Model):
    """A business customer (客户): company, institution or group, owned by one rep."""

    class Channel(models.TextChoices):
        DIRECT = "direct", _("Direct end user")
        DISTRIBUTOR = "distributor", _("Distributor")
        # Neither: set by hand, or by an import whose admin chose "other" for unknown values.
        OTHER = "other", _("Other")

    class Lifecycle(models.TextChoices):
        EXISTING = "existing", _("Existing customer")
        POTENTIAL = "potential", _("Potential customer")

    class LocationSource(models.TextChoices):
        """Where the account's map location came from (the sales map, salesmap/)."""

        IMPORT = "import", _("Import")
        PIN = "pin", _("Pin on the card")
        CHECK_IN = "check_in", _("Check-in")
        GEOCODER = "geocoder", _("Geocoder")

    class Source(models.TextChoices):
        LEGACY_LIST = "legacy_list", _("Legacy list")
        REFERRAL = "referral", _("Referral")
        VISIT = "visit", _("Visit")
        WEB = "web", _("Web")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    normalized_name = models.CharField(_("normalized name"), max_length=255, editable=False)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        null=True,
        blank=True,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码, 18 characters; optional."),
    )
    external_code = models.CharField(
        _("customer code"), max_length=64, null=True, blank=True, help_text=_("客户编号")
    )
    # The record this account came from in another CRM (Salesforce, HubSpot, Odoo…): the
    # system and the record's id there. An import matches on it first, so a second import
    # of the same export updates the account instead of adding it again.
    external_source = models.CharField(
        _("source system"),
        max_length=40,
        blank=True,
        default="",
        db_default="",
        help_text=_("e.g. salesforce, hubspot"),
    )
    external_id = models.CharField(
        _("record ID in the source system"), max_length=255, null=True, blank=True
    )
    # Created from a bare customer code (an order history naming no company): its name is a
    # placeholder for someone to replace.
    to_enrich = models.BooleanField(_("to enrich"), default=False, db_default=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    # No index of its own: account_territory_name (territory, name) leads with it. Every
    # index is paid for on each insert (an import writes 100k accounts at a time).
    territory = models.ForeignKey(
        "crm.Territory",
        verbose_name=_("territory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        db_index=False,
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.DIRECT
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.POTENTIAL
    )
    lifecycle_changed_at = models.DateTimeField(_("lifecycle changed at"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    # No index of its own: account_owner_name (owner, name, id) leads with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="accounts",
        db_index=False,
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    revenue_potential = models.DecimalField(
        _("revenue potential"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Expected yearly business; feeds the priority matrix."),
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    tier_updated_at = models.DateTimeField(_("tier updated at"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account (group)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("The group (集团) this account belongs to; never a cycle."),
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        # No FOREIGN KEY in the database: its check per written row costs a big import
        # ~10%. The import writes only its own batch's id; deleting a batch (ORM) still nulls
        # the link (SET_NULL is done by Django), and the admin keeps running batches.
        db_constraint=False,
    )
    # Where the account is, in WGS-84 degrees (what GPS and OpenStreetMap use): both or
    # neither (account_location_pair). Six decimals are about 0.1 m.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    location_source = models.CharField(
        _("location from"),
        max_length=10,
        choices=LocationSource.choices,
        blank=True,
        default="",
        db_default="",
    )
    location_updated_at = models.DateTimeField(_("location updated at"), null=True, blank=True)
    # The date of the latest logged visit (None: never visited), for the cadence's due date
    # (read on Today, the due list, the map and the daily reminders without searching the
    # visits). Kept by the visit services (visits.services.accounts_last_visit_refresh) in
    # the transaction that writes or deletes a visit; not an account edit (no updated_at).
    last_visit_date = models.DateField(_("last visit"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=Q(uscc__isnull=False),
                name="account_uscc_unique",
                violation_error_message=_(
                    "Another account already has this unified social credit code."
                ),
            ),
            models.UniqueConstraint(
                fields=["external_code"],
                condition=Q(external_code__isnull=False),
                name="account_external_code_unique",
                violation_error_message=_("Another account already has this customer code."),
            ),
            # Led by the id: the account search looks an id up without its source.
            models.UniqueConstraint(
                fields=["external_id", "external_source"],
                condition=Q(external_id__isnull=False),
                name="account_external_ref_unique",
                violation_error_message=_(
                    "Another account already has this record ID of this source system."
                ),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="account_name_not_empty"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="account_latitude_range",
                violation_error_message=_("The latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="account_longitude_range",
                violation_error_message=_("The longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="account_location_pair",
                violation_error_message=_("Give both the latitude and the longitude, or neither."),
            ),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="account_name_id"),
            models.Index(fields=["owner", "name", "id"], name="account_owner_name"),
            models.Index(fields=["normalized_name"], name="account_normalized_name"),
            # Partial: a filter by territory or by tier A/B/C never reads accounts without one,
            # and an import writes many (a legacy list rarely has territories; every new
            # account is untiered until the next recompute), each an index entry to keep up.
            models.Index(
                fields=["territory", "name"],
                name="account_territory_name",
                condition=Q(territory__isnull=False),
            ),
            models.Index(fields=["industry"], name="account_industry"),
            models.Index(fields=["tier", "name"], name="account_tier_name", condition=~Q(tier="")),
            models.Index(fields=["created_at"], name="account_created"),
            models.Index(fields=["updated_at"], name="account_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:detail", args=[self.pk])


class Contact(models.Model):
    """A person at an account, with a role in the buying centre."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        HANDLER = "handler", _("Handler")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")
        # None of the above: never counts as a decision maker (or a handler).
        OTHER = "other", _("Other")

    # No index of its own: contact_account_role (account, role) leads with it.
    class Stance(models.TextChoices):
        CHAMPION = "champion", _("Champion")
        SUPPORTER = "supporter", _("Supporter")
        NEUTRAL = "neutral", _("Neutral")
        BLOCKER = "blocker", _("Blocker")

    class Influence(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="contacts",
        db_index=False,
    )
    # A person's name (姓名), not a thing's (名称).
    name = models.CharField(pgettext_lazy("person", "name"), max_length=120)
    title = models.CharField(_("title"), max_length=120, blank=True)
    role = models.CharField(_("buying role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    chat_handle = models.CharField(_("chat handle"), max_length=100, blank=True)
    birthday_month = models.PositiveSmallIntegerField(
        _("birthday month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    birthday_day = models.PositiveSmallIntegerField(
        _("birthday day"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    birthday_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Optional."),
    )
    interests = models.TextField(_("interests and hobbies"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The buying centre (采购中心): who reports to whom, their stance towards us, their weight.
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text=_("Another contact of the same account; never a cycle."),
    )
    stance = models.CharField(
        _("stance towards us"),
        max_length=10,
        choices=Stance.choices,
        blank=True,
        default="",
        db_default="",
    )
    influence = models.CharField(
        _("influence"),
        max_length=10,
        choices=Influence.choices,
        blank=True,
        default="",
        db_default="",
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        db_default=True,
        help_text=_("Off when the person has left the customer; kept for the history."),
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        # No FOREIGN KEY in the database: its check per written row costs a big import
        # ~10%. The import writes only its own batch's id; deleting a batch (ORM) still nulls
        # the link (SET_NULL is done by Django), and the admin keeps running batches.
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=(Q(birthday_month__isnull=True) & Q(birthday_day__isnull=True))
                | (
                    Q(birthday_month__gte=1)
                    & Q(birthday_month__lte=12)
                    & Q(birthday_day__gte=1)
                    & Q(birthday_day__lte=31)
                ),
                name="contact_birthday_month_day",
            ),
        ]
        # No index of email or phone: the contact search compares them without case and by
        # substring, and an import matches contacts in bulk (a hash join), so none would be
        # read, and each would be paid for on every insert.
        indexes = [
            models.Index(fields=["account", "role"], name="contact_account_role"),
            # Partial: the birthday reminders look up given days; legacy lists rarely carry
            # birthdays, and every contact without one would be an entry to write.
            models.Index(
                fields=["birthday_month", "birthday_day"],
                name="contact_birthday",
                condition=Q(birthday_month__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        month, day = self.birthday_month, self.birthday_day
        if (month is None) != (day is None):
            raise ValidationError(
                {"birthday_day": _("Give both the month and the day of the birthday, or neither.")}
            )
        if self.birthday_year is not None and month is None:
            raise ValidationError({"birthday_year": _("A birth year needs the month and day too.")})
        if month is not None and day is not None:
            # Feb 29 is a valid birthday without a year; with a year it must be a leap year.
            year = self.birthday_year if self.birthday_year is not None else 2000
            if not 1 <= month <= 12:
                return
            last_day = calendar.monthrange(year, month)[1]
            if day > last_day:
                raise ValidationError({"birthday_day": _("This day does not exist in that month.")})


class Order(models.Model):
    """A revenue line: what an account bought (or returned: negative amount)."""

    # No index of its own: order_account_date (account, date) leads with it.
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="orders",
        db_index=False,
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, help_text=_("Negative for returns.")
    )
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    profit = models.DecimalField(
        _("profit"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        # No FOREIGN KEY in the database: its check per written row costs a big import
        # ~10%. The import writes only its own batch's id; deleting a batch (ORM) still nulls
        # the link (SET_NULL is done by Django), and the admin keeps running batches.
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["account", "date"], name="order_account_date"),
            models.Index(fields=["date", "account"], include=["amount"], name="order_date_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} {self.amount}"


class AccountTeamMember(models.Model):
    """A colleague besides the owner who works on an account (技术支持, 服务, 高层支持…), with
    an access level. Members see the account, its contacts, visits and deals through the one
    visibility rule (accounts.selectors.account_scope_q); "edit" members may also change them."""

    class Role(models.TextChoices):
        TECHNICAL = "technical", _("Technical support")
        SERVICE = "service", _("Service")
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
        SALES_SUPPORT = "sales_support", _("Sales support")
        OTHER = "other", _("Other")

    class Access(models.TextChoices):
        READ = "read", _("Read")
        EDIT = "edit", _("Edit")

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)
    access = models.CharField(
        _("access"), max_length=10, choices=Access.choices, default=Access.READ
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["account", "id"]
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="account_member_unique")
        ]
        indexes = [
            models.Index(fields=["user", "account"], name="account_member_user"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.user_id} {self.role}"


class Competitor(models.Model):
    """A competitor (竞争对手): an admin-edited list."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class AccountCompetitor(models.Model):
    """A competitor that supplies an account today (the incumbent, 现有供应商): its estimated
    share of the customer's spend, when its contract ends, what is known of its prices."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="incumbents"
    )
    competitor = models.ForeignKey(
        Competitor,
        verbose_name=_("competitor"),
        on_delete=models.PROTECT,
        related_name="incumbencies",
    )
    share = models.DecimalField(
        _("share of spend (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    contract_end = models.DateField(_("contract ends"), null=True, blank=True)
    price_notes = models.TextField(_("price notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["account", "-share", "id"]
        verbose_name = _("incumbent supplier")
        verbose_name_plural = _("incumbent suppliers")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "competitor"], name="account_competitor_unique"
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(share__gte=0, share__lte=100),
                name="account_competitor_share_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["competitor", "contract_end"], name="competitor_contract_end"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.competitor_id}"
