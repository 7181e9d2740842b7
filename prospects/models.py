"""Prospects (潜在客户): the seven-criterion worksheet, colour stages, decisions, segments."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.normalize import industry_key  # how industries compare (also for prospects.forms)
from core.models import AppSettings


class Criterion:
    """One row of the potential-customer worksheet (潜在客户工作表)."""

    def __init__(self, field: str, label, one, zero) -> None:
        self.field = field
        self.note_field = f"{field}_note"
        self.label = label
        self.one = one
        self.zero = zero

    def __repr__(self) -> str:
        return f"Criterion({self.field})"


# The seven criteria (衡量标准) in the deck's order, with the words for 1 and for 0.
CRITERIA: list[Criterion] = [
    Criterion("growth", _("The customer's own growth"), _("good"), _("poor")),
    Criterion("business_plans", _("The customer's business plans"), _("high"), _("low")),
    Criterion("revenue_potential", _("Revenue potential"), _("high"), _("low")),
    Criterion("opportunities", _("Business opportunities"), _("many"), _("few")),
    Criterion("solution_fit", _("Fit of our solution"), _("good"), _("poor")),
    Criterion("competitiveness", _("Our competitiveness"), _("strong"), _("weak")),
    Criterion("relationship", _("Customer relationship"), _("strong"), _("weak")),
]
CRITERION_FIELDS: list[str] = [c.field for c in CRITERIA]
NOTE_FIELDS: list[str] = [c.note_field for c in CRITERIA]
MAX_TOTAL = len(CRITERIA)


def _score_field(criterion: Criterion) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        criterion.label, choices=[(1, criterion.one), (0, criterion.zero)]
    )


def _note_field(criterion: Criterion) -> models.CharField:
    return models.CharField(_("note"), max_length=500, blank=True)


class Colour(models.TextChoices):
    """Stage colours: red won (已成交), yellow likely to close soon (短期有望成交),
    green potential (潜在)."""

    GREEN = "green", _("Green: potential")
    YELLOW = "yellow", _("Yellow: likely to close soon")
    RED = "red", _("Red: won")


# Short names for buttons ("move to …").
COLOUR_SHORT: dict[str, str | Promise] = {
    Colour.GREEN: _("Green"),
    Colour.YELLOW: _("Yellow"),
    Colour.RED: _("Red"),
}


def validate_ratio(value: Decimal) -> None:
    """A rep's share of open prospects per account: from 0 (no share) to 1 (every account)."""
    if value is None or not Decimal(0) <= Decimal(value) <= Decimal(1):
        raise ValidationError(
            _("Enter a ratio from 0 to 1 (%(value)s is not)."), params={"value": value}
        )


def validate_industry_ratios(value: Any) -> None:
    """{industry: ratio}, each industry named and each ratio from 0 to 1."""
    if not isinstance(value, dict):
        raise ValidationError(_("Industry ratios must map industries to ratios."))
    for industry, ratio in value.items():
        if not str(industry).strip():
            raise ValidationError(_("An industry ratio has no industry."))
        try:
            number = Decimal(str(ratio))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if number.is_nan() or not Decimal(0) <= number <= Decimal(1):
            raise ValidationError(
                _("%(industry)s: enter a ratio from 0 to 1 (%(value)s is not)."),
                params={"industry": industry, "value": ratio},
            )


class ProspectSettings(AppSettings):
    # The team's floor is crm.Team.pipeline_minimum; a rep's figure is a share of their book,
    # "a certain ratio, decided by the industry" (一定比率的潜在客户, 到底多少根据行业定).
    rep_prospect_ratio = models.DecimalField(
        _("rep's prospect ratio"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[validate_ratio],
        help_text=_(
            "Open prospects a rep should hold per account they own (0.1: one for every ten "
            "accounts); below it the rep is warned. 0: no share."
        ),
    )
    industry_ratios = models.JSONField(
        _("ratio per industry"),
        default=dict,
        blank=True,
        validators=[validate_industry_ratios],
        help_text=_("Where set, an account of that industry counts with its industry's ratio."),
    )

    # The loyalty proposal (细分客户 by 对手忠诚度): high when competitors hold this share of the
    # customer's spend or more, or an incumbent's contract runs longer than this many days.
    loyalty_high_share = models.DecimalField(
        _("high loyalty from competitors' share (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
        db_default=Decimal("50.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "Loyalty to a competitor is proposed high when the incumbents together hold at "
            "least this share of the customer's spend."
        ),
    )
    loyalty_high_contract_days = models.PositiveIntegerField(
        _("high loyalty from a contract running longer than (days)"),
        default=365,
        db_default=365,
        help_text=_(
            "Loyalty is also proposed high when an incumbent's contract ends later than this "
            "many days from today."
        ),
    )

    def ratio_for(self, industry: str) -> Decimal:
        """The ratio an account of `industry` counts with: its industry's, else the general."""
        by_key = {industry_key(k): v for k, v in self.industry_ratios.items()}
        ratio = by_key.get(industry_key(industry or ""))
        return self.rep_prospect_ratio if ratio is None else Decimal(str(ratio))

    class Meta(AppSettings.Meta):
        verbose_name = _("prospect settings")
        verbose_name_plural = _("prospect settings")


class SubStage(models.Model):
    """A finer stage under one colour, defined by an admin (e.g. yellow: quotation sent)."""

    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["colour", "position", "name", "id"]
        verbose_name = _("sub-stage")
        verbose_name_plural = _("sub-stages")
        constraints = [
            models.UniqueConstraint(fields=["colour", "name"], name="substage_colour_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_colour_display()} / {self.name}"


class WorksheetQuerySet(models.QuerySet):
    def current(self) -> "WorksheetQuerySet":
        return self.filter(is_current=True)

    def history_order(self) -> "WorksheetQuerySet":
        return self.order_by("-filled_at", "-id")


class Worksheet(models.Model):
    """One filled worksheet of an account: seven criteria scored 1 or 0 and their total.

    Every worksheet is kept; the newest (`is_current`) is the account's score.
    """

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="worksheets",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filled_at = models.DateTimeField(_("filled at"))
    growth = _score_field(CRITERIA[0])
    growth_note = _note_field(CRITERIA[0])
    business_plans = _score_field(CRITERIA[1])
    business_plans_note = _note_field(CRITERIA[1])
    revenue_potential = _score_field(CRITERIA[2])
    revenue_potential_note = _note_field(CRITERIA[2])
    opportunities = _score_field(CRITERIA[3])
    opportunities_note = _note_field(CRITERIA[3])
    solution_fit = _score_field(CRITERIA[4])
    solution_fit_note = _note_field(CRITERIA[4])
    competitiveness = _score_field(CRITERIA[5])
    competitiveness_note = _note_field(CRITERIA[5])
    relationship = _score_field(CRITERIA[6])
    relationship_note = _note_field(CRITERIA[6])
    total = models.PositiveSmallIntegerField(_("total"))
    is_current = models.BooleanField(_("current"), default=True)

    objects = WorksheetQuerySet.as_manager()

    class Meta:
        ordering = ["-filled_at", "-id"]
        verbose_name = _("worksheet")
        verbose_name_plural = _("worksheets")
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__in": [0, 1]}), name=f"worksheet_{field}_0_or_1"
                )
                for field in CRITERION_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(
                    total=models.F("growth")
                    + models.F("business_plans")
                    + models.F("revenue_potential")
                    + models.F("opportunities")
                    + models.F("solution_fit")
                    + models.F("competitiveness")
                    + models.F("relationship")
                ),
                name="worksheet_total_is_sum",
            ),
            # One current worksheet per account: the service locks the account and flips the
            # flag, and this makes a lost race fail instead of leaving two "latest" rows.
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_current=True), name="worksheet_one_current"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-filled_at", "-id"], name="worksheet_account_hist"),
            models.Index(
                fields=["total"],
                condition=Q(is_current=True),
                name="worksheet_current_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.filled_at:%Y-%m-%d} {self.total}/{MAX_TOTAL}"

    def rows(self) -> list[dict]:
        """The criteria with this worksheet's score and note, in the deck's order."""
        return [
            {
                "criterion": c,
                "score": getattr(self, c.field),
                "word": c.one if getattr(self, c.field) else c.zero,
                "note": getattr(self, c.note_field),
            }
            for c in CRITERIA
        ]


class ProspectQuerySet(models.QuerySet):
    def active(self) -> "ProspectQuerySet":
        """In the pipeline: every prospect not abandoned."""
        return self.exclude(decision=Prospect.Decision.ABANDON)

    def open(self) -> "ProspectQuerySet":
        """Active and not yet won (green or yellow): these count toward the team's pipeline
        minimum and the rep's share."""
        return self.active().filter(colour__in=[Colour.GREEN, Colour.YELLOW])

    def abandoned(self) -> "ProspectQuerySet":
        return self.filter(decision=Prospect.Decision.ABANDON)


class Prospect(models.Model):
    """An account in the pipeline: its stage colour, visit decision and segment."""

    class Decision(models.TextChoices):
        KEEP_VISITING = "keep_visiting", _("Keep visiting")
        DONT_GIVE_UP = "dont_give_up", _("Don't give up")
        ABANDON = "abandon", _("Abandon")

    class Loyalty(models.TextChoices):
        LOW = "low", _("Low")
        HIGH = "high", _("High")

    class Segment(models.TextChoices):
        PRIMARY = "primary", _("Primary target (large effort)")
        SECONDARY = "secondary", _("Secondary target (small effort)")
        NONE = "none", _("Not segmented")

    # The same sources as the account (legacy list, referral, visit, web, other).
    Source = Account.Source

    account = models.OneToOneField(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="prospect",
    )
    colour = models.CharField(
        _("colour"), max_length=10, choices=Colour.choices, default=Colour.GREEN
    )
    sub_stage = models.ForeignKey(
        SubStage,
        verbose_name=_("sub-stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prospects",
    )
    colour_changed_at = models.DateTimeField(_("colour changed at"), null=True, blank=True)
    colour_override_reason = models.TextField(
        _("why the colour differs from the rule's"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "The rep's reason when the colour is not the one the rule gives (red: a customer, "
            "yellow: a deal closing soon, green: potential)."
        ),
    )
    won_at = models.DateTimeField(_("won at"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.KEEP_VISITING
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    competitor_loyalty = models.CharField(
        _("loyalty to a competitor"),
        max_length=10,
        choices=Loyalty.choices,
        blank=True,
        help_text=_("Low: primary target, large effort. High: secondary target, small effort."),
    )
    loyalty_override_reason = models.TextField(
        _("why the loyalty differs from the proposal"),
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "The rep's reason when the loyalty to a competitor is not the one proposed from "
            "the account's incumbent suppliers."
        ),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.OTHER
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProspectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__in=[c.value for c in Colour]), name="prospect_colour_valid"
            ),
            models.CheckConstraint(
                condition=~Q(decision="abandon") | ~Q(decision_reason=""),
                name="prospect_abandon_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(won_at__isnull=True) | Q(colour="red"),
                name="prospect_won_is_red",
            ),
        ]
        indexes = [
            models.Index(fields=["colour", "decision"], name="prospect_colour_decision"),
            models.Index(fields=["decision"], name="prospect_decision"),
        ]

    def __str__(self) -> str:
        return str(self.account)

    def get_absolute_url(self) -> str:
        return reverse("prospects:detail", args=[self.pk])

    @property
    def segment(self) -> str:
        """细分客户: low loyalty to a competitor → primary target; high → secondary."""
        return segment_of(self.competitor_loyalty)

    def get_segment_display(self) -> str:
        return str(Prospect.Segment(self.segment).label)

    @property
    def is_abandoned(self) -> bool:
        return self.decision == self.Decision.ABANDON

    @property
    def is_revived_old_contact(self) -> bool:
        """既有客户利用法: an old customer list brought back to present a new line."""
        return self.source == self.Source.LEGACY_LIST


SEGMENT_LOYALTY = {
    Prospect.Segment.PRIMARY: Prospect.Loyalty.LOW,
    Prospect.Segment.SECONDARY: Prospect.Loyalty.HIGH,
    Prospect.Segment.NONE: "",
}


def segment_of(loyalty: str) -> str:
    for segment, value in SEGMENT_LOYALTY.items():
        if value == loyalty:
            return segment
    return Prospect.Segment.NONE
