"""Account health: a daily, explainable score per account, its factors, and its settings.

`health.services.health_compute` writes one `HealthSnapshot` per account for a day (a rerun
the same day replaces that day's rows) in one INSERT … SELECT (`health.sql`). The score is
100 minus the penalty points of each factor; every factor's inputs and points are kept in the
row, so a page never shows a bare number.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AppSettings

POINTS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
RATIO = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class HealthSettings(AppSettings):
    """Weights (penalty points, together at most 100) and thresholds of the health score."""

    weight_lateness = models.DecimalField(
        _("weight: order lateness (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("30"),
        validators=POINTS,
    )
    weight_trend = models.DecimalField(
        _("weight: revenue trend (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("30"),
        validators=POINTS,
    )
    weight_decision_maker = models.DecimalField(
        _("weight: decision-maker contact (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20"),
        validators=POINTS,
    )
    weight_visits = models.DecimalField(
        _("weight: visit cadence (points)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20"),
        validators=POINTS,
    )
    lateness_grace = models.DecimalField(
        _("lateness: no penalty up to (× usual interval)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=RATIO,
    )
    lateness_full = models.DecimalField(
        _("lateness: full penalty from (× usual interval)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        validators=RATIO,
    )
    default_interval_days = models.PositiveSmallIntegerField(
        _("usual interval with one order only (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("An account with a single order day has no gap yet to learn from."),
    )
    lookback_days = models.PositiveSmallIntegerField(
        _("order history read (days)"),
        default=730,
        validators=[MinValueValidator(455), MaxValueValidator(3650)],
        help_text=_(
            "Order lines of this many days before the day are read: the usual interval and "
            "the same 90 days a year earlier (at least 455)."
        ),
    )
    trend_full_drop = models.DecimalField(
        _("revenue trend: full penalty at a drop of (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
    )
    low_threshold = models.PositiveSmallIntegerField(
        _("warn below this score"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    drop_points = models.PositiveSmallIntegerField(
        _("warn on a week-on-week drop of (points)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    history_days = models.PositiveSmallIntegerField(
        _("days of history kept"),
        default=400,
        validators=[MinValueValidator(14), MaxValueValidator(3650)],
    )

    class Meta(AppSettings.Meta):
        verbose_name = _("account health settings")
        verbose_name_plural = _("account health settings")
        constraints = [
            *AppSettings.Meta.constraints,
            models.CheckConstraint(
                condition=Q(
                    weight_lateness__gte=0,
                    weight_trend__gte=0,
                    weight_decision_maker__gte=0,
                    weight_visits__gte=0,
                ),
                name="health_settings_weights_positive",
            ),
            models.CheckConstraint(
                condition=Q(lateness_grace__lt=models.F("lateness_full")),
                name="health_settings_lateness_order",
            ),
        ]

    def clean(self) -> None:
        errors = {}
        weights = [
            self.weight_lateness,
            self.weight_trend,
            self.weight_decision_maker,
            self.weight_visits,
        ]
        if all(w is not None for w in weights) and sum(weights) > 100:
            errors["weight_visits"] = _("The four weights together cannot exceed 100 points.")
        if (
            self.lateness_grace is not None
            and self.lateness_full is not None
            and self.lateness_grace >= self.lateness_full
        ):
            errors["lateness_full"] = _("The full-penalty lateness must be above the grace.")
        if errors:
            raise ValidationError(errors)


class HealthSnapshot(models.Model):
    """One account's health on one day, with every factor's inputs and penalty points.

    A factor's points are empty when it does not apply (no cadence for the tier, no orders to
    learn an interval from): it then costs nothing, and the card says why."""

    # No database foreign keys: the nightly job writes a row per account in one statement
    # and a per-row check would cost seconds at a million accounts (as scoring.TierSnapshot).
    # Deleting an account keeps its history until it is pruned.
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.DO_NOTHING,
        related_name="health_snapshots",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField(_("day"))
    score = models.PositiveSmallIntegerField(_("health"))
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    # Order lateness against the account's own usual interval.
    last_order = models.DateField(_("last order"), null=True, blank=True)
    order_days = models.PositiveIntegerField(_("order days read"), default=0)
    usual_interval = models.DecimalField(
        _("usual interval (days)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    days_since_order = models.IntegerField(_("days since the last order"), null=True, blank=True)
    lateness_points = models.DecimalField(
        _("lateness penalty"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # Revenue trend: the last 90 days against the 90 before and the same 90 a year earlier.
    revenue_90 = models.DecimalField(
        _("revenue, last 90 days"), max_digits=20, decimal_places=2, default=Decimal("0")
    )
    revenue_prev_90 = models.DecimalField(
        _("revenue, the 90 days before"), max_digits=20, decimal_places=2, default=Decimal("0")
    )
    revenue_year_ago_90 = models.DecimalField(
        _("revenue, same 90 days a year earlier"),
        max_digits=20,
        decimal_places=2,
        default=Decimal("0"),
    )
    trend_points = models.DecimalField(
        _("trend penalty"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # Decision-maker contact recency (the buying centre's derived last contact).
    decision_makers = models.PositiveIntegerField(_("active decision makers"), default=0)
    decision_maker_contact = models.DateField(
        _("decision maker last reached"), null=True, blank=True
    )
    decision_maker_days = models.PositiveIntegerField(
        _("decision-maker threshold (days)"), default=0
    )
    decision_maker_points = models.DecimalField(
        _("decision-maker penalty"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # Visit cadence kept or missed.
    last_visit = models.DateField(_("last visit"), null=True, blank=True)
    cadence_days = models.PositiveIntegerField(_("cadence (days)"), null=True, blank=True)
    visit_points = models.DecimalField(
        _("visit penalty"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # Overdue payments: no receivables app yet (see docs/DOMAIN.md, "Account health").
    receivables_points = models.DecimalField(
        _("overdue payments penalty"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    score_week_ago = models.PositiveSmallIntegerField(_("health a week before"), null=True)
    created_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-day", "account"]
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="health_snapshot_unique"),
            models.CheckConstraint(condition=Q(score__lte=100), name="health_snapshot_score"),
        ]
        indexes = [models.Index(fields=["day", "score"], name="health_snapshot_day_score")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.score}"

    @property
    def week_change(self) -> int | None:
        if self.score_week_ago is None:
            return None
        return self.score - self.score_week_ago

    @property
    def revenue_trend_prev(self) -> Decimal | None:
        """Last 90 days against the 90 before, as a ratio (None: nothing before)."""
        if self.revenue_prev_90 <= 0:
            return None
        return self.revenue_90 / self.revenue_prev_90

    @property
    def revenue_trend_year(self) -> Decimal | None:
        if self.revenue_year_ago_90 <= 0:
            return None
        return self.revenue_90 / self.revenue_year_ago_90
