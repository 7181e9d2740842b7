"""Opportunities (商机), their stages and history, loss reasons, and targets (quotas).

An opportunity is one chance of business at one account (prospect or customer): a new deal, an
upsell or a renewal, with an amount, an expected close date, a stage of the admin-edited list
and an owner. Several may be open at one account. Its status (open, won, lost) follows the
stage's flags and is stored for the indexes; every change of stage, amount or close date is
kept as an `OpportunityChange` row holding the values before and after (the stage history, and
what the forecast's "changed since last week" reads).

A target is a quota for one rep or one team, one period (month or quarter) and one measure.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual
from core.models import AppSettings

AMOUNT_DIGITS = 16
AMOUNT_PLACES = 2


class Stage(models.Model):
    """One stage of the pipeline, in the admins' order, with a default win probability.

    A won stage closes a deal as won, a lost stage as lost; at most one of the two flags.
    A stage is never deleted while deals use it; an inactive stage takes no new deals.
    """

    code = models.CharField(
        _("code"), max_length=50, blank=True, default="", help_text=_("Set on built-in rows.")
    )
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        default=0,
        help_text=_("The default chance, from 0 to 100, that a deal in this stage is won."),
    )
    is_won = models.BooleanField(_("closed won"), default=False)
    is_lost = models.BooleanField(_("closed lost"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_en="", name_zh_hans=""), name="opportunity_stage_has_name"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="opportunity_stage_probability_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(is_won=True, is_lost=True), name="opportunity_stage_won_or_lost"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="opportunity_stage_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh_hans)

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost

    @property
    def status(self) -> str:
        if self.is_won:
            return Opportunity.Status.WON
        if self.is_lost:
            return Opportunity.Status.LOST
        return Opportunity.Status.OPEN


class LossReason(models.Model):
    """Why a deal was lost: an admin-edited list."""

    code = models.CharField(
        _("code"), max_length=50, blank=True, default="", help_text=_("Set on built-in rows.")
    )
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("loss reason")
        verbose_name_plural = _("loss reasons")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_en="", name_zh_hans=""), name="loss_reason_has_name"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="loss_reason_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh_hans)


class OpportunityQuerySet(models.QuerySet):
    def open(self) -> "OpportunityQuerySet":
        return self.filter(status=Opportunity.Status.OPEN)

    def won(self) -> "OpportunityQuerySet":
        return self.filter(status=Opportunity.Status.WON)

    def lost(self) -> "OpportunityQuerySet":
        return self.filter(status=Opportunity.Status.LOST)

    def overdue(self, today: datetime.date) -> "OpportunityQuerySet":
        """Open deals whose expected close date is before `today`: allowed, but flagged."""
        return self.open().filter(close_date__lt=today)


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Kind(models.TextChoices):
        NEW = "new", _("New business")
        UPSELL = "upsell", _("Upsell")
        RENEWAL = "renewal", _("Renewal")

    class Category(models.TextChoices):
        """The rep's forecast category for an open deal."""

        COMMIT = "commit", _("Commit")
        BEST_CASE = "best_case", _("Best case")
        PIPELINE = "pipeline", _("Pipeline")
        OMITTED = "omitted", _("Omitted")

    class Source(models.TextChoices):
        EXISTING_CUSTOMER = "existing_customer", _("Existing customer")
        REFERRAL = "referral", _("Referral")
        VISIT = "visit", _("Visit")
        WEB = "web", _("Web")
        EVENT = "event", _("Event or exhibition")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="opportunities",
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, default=0
    )
    close_date = models.DateField(_("expected close date"))
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        null=True,
        blank=True,
        help_text=_("Blank: the stage's probability."),
    )
    category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=Category.choices,
        default=Category.PIPELINE,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    product_lines = models.CharField(
        _("product lines"), max_length=500, blank=True, help_text=_("Separated by commas.")
    )
    competitors = models.CharField(
        _("competitors in play"), max_length=500, blank=True, help_text=_("Separated by commas.")
    )
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_step_date = models.DateField(_("next step due"), null=True, blank=True)
    next_step_commitment = models.ForeignKey(
        "commitments.Commitment",
        verbose_name=_("next step's commitment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A dated next step becomes a commitment of the deal's owner."),
    )
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    close_note = models.TextField(_("closing note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
        db_constraint=False,
    )
    # The deal's record in the CRM it was imported from (Salesforce Opportunity ID, HubSpot
    # Record ID, or a file's own id column): an import of the same export finds it again.
    external_source = models.CharField(
        _("source system"), max_length=40, blank=True, default="", db_default=""
    )
    external_id = models.CharField(
        _("record ID in the source system"), max_length=100, blank=True, default="", db_default=""
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["close_date", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="opportunity_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=100),
                name="opportunity_probability_0_100",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | (~Q(status="open") & Q(closed_on__isnull=False)),
                name="opportunity_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(loss_reason__isnull=True) | Q(status="lost"),
                name="opportunity_reason_only_when_lost",
            ),
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~Q(external_id=""),
                name="opportunity_external_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "close_date"], name="opportunity_owner"),
            models.Index(fields=["account", "status"], name="opportunity_account"),
            models.Index(fields=["status", "close_date"], name="opportunity_status_close"),
            models.Index(fields=["stage", "status"], name="opportunity_stage"),
            # The forecast's grid and "what changed" read a period's deals from this index
            # alone (an index-only scan; opportunities.forecast).
            models.Index(
                fields=["status", "close_date"],
                include=["owner", "amount", "category", "probability", "stage", "id"],
                name="opportunity_forecast",
            ),
            # The same for one team's or one rep's deals (the owners' ids as an index
            # condition), and a manager's or a rep's deals found through their accounts' ids
            # (opportunities.selectors.opportunity_scope_q).
            models.Index(
                fields=["owner", "close_date"],
                include=["status", "amount", "category", "probability", "stage", "id"],
                name="opportunity_owner_forecast",
            ),
            models.Index(fields=["account", "close_date"], name="opportunity_account_close"),
            # "What changed": the deals that left the period, looked up by id from this index
            # alone (the table's rows are several times larger).
            models.Index(
                fields=["id"],
                include=["owner", "account", "amount", "close_date", "status"],
                name="opportunity_forecast_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_overdue_on(self, today: datetime.date) -> bool:
        return self.status == self.Status.OPEN and self.close_date < today

    @property
    def is_overdue(self) -> bool:
        """Open with an expected close date in the past (today in the site's time zone)."""
        return self.is_overdue_on(timezone.localdate())

    @property
    def win_probability(self) -> int:
        """The deal's own probability when the rep set one, else its stage's."""
        return self.stage.probability if self.probability is None else self.probability


class OpportunityContact(models.Model):
    """A contact involved in one deal, with their role in it."""

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
        TECHNICAL = "technical", _("Technical evaluator")
        USER = "user", _("User")
        INFLUENCER = "influencer", _("Influencer")
        CHAMPION = "champion", _("Champion")
        PURCHASING = "purchasing", _("Purchasing")
        OTHER = "other", _("Other")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="contact_roles",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="opportunity_roles",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)

    class Meta:
        ordering = ["opportunity", "id"]
        verbose_name = _("contact of a deal")
        verbose_name_plural = _("contacts of deals")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact"], name="opportunity_contact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.role}"


class OpportunityCompetitor(models.Model):
    """A competitor in play on one deal, and how we did against it: `open` while the deal is
    (a closed deal's row left open counts as the deal's result), `won` (we beat it), `lost`
    (it took the business). The competitor's page reads our win rate from these."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("In play")
        WON = "won", _("Won against it")
        LOST = "lost", _("Lost to it")

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="competitors_in_play",
    )
    competitor = models.ForeignKey(
        "accounts.Competitor",
        verbose_name=_("competitor"),
        on_delete=models.PROTECT,
        related_name="opportunities_in_play",
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        ordering = ["opportunity", "id"]
        verbose_name = _("competitor of a deal")
        verbose_name_plural = _("competitors of deals")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "competitor"], name="opportunity_competitor_unique"
            )
        ]
        indexes = [
            models.Index(fields=["competitor", "opportunity"], name="opp_competitor_competitor"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.competitor_id} {self.outcome}"


class OpportunityChange(models.Model):
    """One change of a deal's stage, amount or close date (or its creation), with the values
    before and after: every stage change is kept with its date, and the forecast can tell
    what was new, moved in, slipped out, changed amount or was lost since a given day.

    On creation the `*_before` values are null. A row is written in the same transaction as
    the change, by the service that makes it (or set-based by an import); never edited."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stage_before = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage_after = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    status_before = models.CharField(
        max_length=10, choices=Opportunity.Status.choices, blank=True, default=""
    )
    status_after = models.CharField(max_length=10, choices=Opportunity.Status.choices)
    amount_before = models.DecimalField(
        max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, null=True, blank=True
    )
    amount_after = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    close_date_before = models.DateField(null=True, blank=True)
    close_date_after = models.DateField()

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("change of a deal")
        verbose_name_plural = _("changes of deals")
        indexes = [
            models.Index(fields=["opportunity", "changed_at"], name="opportunity_change_hist"),
            models.Index(fields=["changed_at"], name="opportunity_change_time"),
            # "What changed since": the first change of each deal after an instant, read from
            # this index alone (opportunities.forecast_sql).
            models.Index(
                fields=["changed_at"],
                include=[
                    "opportunity",
                    "kind",
                    "status_before",
                    "amount_before",
                    "close_date_before",
                    "id",
                ],
                name="opportunity_change_since",
            ),
            # The same for a team's, a manager's or a rep's deals: each candidate deal's first
            # change after the instant (one probe a deal), and the deals whose close date was
            # in a period before a change (opportunities.forecast_sql).
            models.Index(
                fields=["opportunity", "changed_at", "id"],
                include=["kind", "status_before", "amount_before", "close_date_before"],
                name="opportunity_change_first",
            ),
            models.Index(
                fields=["close_date_before", "changed_at"],
                include=["opportunity", "status_before"],
                condition=Q(close_date_before__isnull=False),
                name="opportunity_change_left",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.kind} {self.changed_at:%Y-%m-%d}"

    @property
    def stage_changed(self) -> bool:
        return self.stage_before_id != self.stage_after_id


class Target(models.Model):
    """A quota: for one rep or one team, one period (a month or a quarter, from its first day),
    one measure. Managers set their teams' and their reps', admins everyone's."""

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    class Measure(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        NEW_CUSTOMERS = "new_customers", _("New customers")
        VISITS = "visits", _("Visits")
        A_VISITS = "a_visits", _("Visits to A accounts")
        PIPELINE_PROSPECTS = "pipeline_prospects", _("Prospects in the pipeline")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    value = models.DecimalField(_("target"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch",
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-period_start", "measure", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="target_rep_or_team",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
            models.CheckConstraint(
                condition=Q(period_start__day=1), name="target_period_starts_on_first"
            ),
            models.CheckConstraint(
                condition=Q(period="month") | Q(period_start__month__in=[1, 4, 7, 10]),
                name="target_quarter_starts_a_quarter",
            ),
            models.UniqueConstraint(
                fields=["user", "period", "period_start", "measure"],
                condition=Q(user__isnull=False),
                name="target_unique_rep",
            ),
            models.UniqueConstraint(
                fields=["team", "period", "period_start", "measure"],
                condition=Q(team__isnull=False),
                name="target_unique_team",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "measure"], name="target_period")]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} {self.measure} {self.value}"


class OpportunitySettings(AppSettings):
    """The deals' settings an admin edits: the colour rule's horizon."""

    yellow_horizon_days = models.PositiveIntegerField(
        _("yellow horizon (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_(
            "An account is yellow by the rule when one of its open deals is expected to close "
            "within this many days."
        ),
    )

    class Meta(AppSettings.Meta):
        verbose_name = _("opportunity settings")
        verbose_name_plural = _("opportunity settings")
