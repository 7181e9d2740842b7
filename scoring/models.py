"""ABC tiers, their dated history, and the settings that drive tiers, quadrants and priority.

A recompute (`scoring.services.tiers_recompute`) writes one `TierRun` and one `TierSnapshot`
row per account that has orders, logged effort or a potential figure in the window (or that
had a tier before), then copies the new tiers onto `accounts.Account.tier`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AppSettings

PERCENT = [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Method(models.TextChoices):
    REVENUE = "revenue", _("By cumulative revenue share")
    COUNT = "count", _("By customer count")


class TierBasis(models.TextChoices):
    ACCOUNT = "account", _("Per account")
    GROUP = "group", _("Per group (集团): the group is ranked as one customer")


class TierRevenue(models.TextChoices):
    ORDERS = "orders", _("Orders booked")
    PAYMENTS = "payments", _("Payments received (回款)")


class OutputMeasure(models.TextChoices):
    REVENUE = "revenue", _("Revenue")
    PROFIT = "profit", _("Profit")


class ThresholdMode(models.TextChoices):
    MEDIAN = "median", _("Median across accounts")
    FIXED = "fixed", _("Fixed thresholds")


class Quadrant(models.IntegerChoices):
    """Numbered as in the deck (投入/产出模型)."""

    MAINTAIN = 1, _("1 · Low output, low input: maintain cheaply")
    PROTECT = 2, _("2 · High output, low input: protect and grow")
    KEEP = 3, _("3 · High output, high input: keep")
    FIX = 4, _("4 · Low output, high input: cut or fix the effort")


class Priority(models.TextChoices):
    A_PLUS = "A+", _("A+ · high potential, high current revenue")
    A = "A", _("A · high potential, low current revenue")
    B = "B", _("B · low potential, high current revenue")
    C = "C", _("C · low potential, low current revenue")


class ScoringSettings(AppSettings):
    """How tiers, quadrants and priority classes are computed (one row, edited by an admin)."""

    method = models.CharField(
        _("tier method"), max_length=10, choices=Method.choices, default=Method.REVENUE
    )
    a_cutoff = models.DecimalField(
        _("A cut-off (percent of revenue)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=PERCENT,
        help_text=_(
            "Revenue method: an account is A while the revenue share before it is below this."
        ),
    )
    b_cutoff = models.DecimalField(
        _("B cut-off (percent of revenue)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=PERCENT,
        help_text=_("Revenue method: B while the share before the account is below this; else C."),
    )
    count_a_share = models.DecimalField(
        _("A share of customers (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20"),
        validators=PERCENT,
        help_text=_("Count method: the top this-many percent of customers are A."),
    )
    count_b_share = models.DecimalField(
        _("B share of customers (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30"),
        validators=PERCENT,
        help_text=_("Count method: the next this-many percent are B; the rest C."),
    )
    tier_basis = models.CharField(
        _("tier basis"),
        max_length=10,
        choices=TierBasis.choices,
        default=TierBasis.ACCOUNT,
        db_default=TierBasis.ACCOUNT,
        help_text=_(
            "Per group: a group (its head and every member) is ranked as one customer by its "
            "total revenue, and every member takes the group's tier."
        ),
    )
    tier_revenue = models.CharField(
        _("tier revenue"),
        max_length=10,
        choices=TierRevenue.choices,
        default=TierRevenue.ORDERS,
        db_default=TierRevenue.ORDERS,
        help_text=_(
            "What the ABC tiers rank accounts by: the orders booked in the window (the default) "
            "or the payments received in it (cash collected)."
        ),
    )
    window_days = models.PositiveIntegerField(
        _("window (days)"),
        default=365,
        validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("Order lines of the trailing this-many days, ending on the as-of date."),
    )
    snapshot_retention = models.PositiveIntegerField(
        _("runs kept"),
        default=90,
        validators=[MinValueValidator(2), MaxValueValidator(5000)],
        help_text=_("Older tier runs and their per-account rows are deleted."),
    )
    output_measure = models.CharField(
        _("output measure"),
        max_length=10,
        choices=OutputMeasure.choices,
        default=OutputMeasure.REVENUE,
        help_text=_("Output (产出) of the input/output quadrants."),
    )
    weight_visits = models.DecimalField(
        _("input weight per visit"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("1"),
        validators=NON_NEGATIVE,
    )
    weight_hours = models.DecimalField(
        _("input weight per hour"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=NON_NEGATIVE,
    )
    weight_expenses = models.DecimalField(
        _("input weight per unit of expenses"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0.01"),
        validators=NON_NEGATIVE,
    )
    quadrant_thresholds = models.CharField(
        _("quadrant thresholds"),
        max_length=10,
        choices=ThresholdMode.choices,
        default=ThresholdMode.MEDIAN,
    )
    input_threshold = models.DecimalField(
        _("input threshold"),
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Fixed thresholds: input above this is high."),
    )
    output_threshold = models.DecimalField(
        _("output threshold"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Fixed thresholds: output above this is high."),
    )
    priority_revenue_threshold = models.DecimalField(
        _("priority: current revenue threshold"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Current revenue above this is high. Empty: the median across customers."),
    )
    priority_potential_threshold = models.DecimalField(
        _("priority: revenue potential threshold"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_(
            "An entered revenue potential above this is high. Empty: the median of the "
            "entered figures."
        ),
    )
    priority_worksheet_min = models.PositiveSmallIntegerField(
        _("priority: worksheet total for high potential"),
        default=4,
        validators=[MinValueValidator(0), MaxValueValidator(7)],
        help_text=_("A latest worksheet total (0–7) of at least this is high potential."),
    )

    class Meta(AppSettings.Meta):
        verbose_name = _("tier and scoring settings")
        verbose_name_plural = _("tier and scoring settings")
        constraints = [
            *AppSettings.Meta.constraints,
            models.CheckConstraint(
                condition=Q(a_cutoff__gt=0)
                & Q(a_cutoff__lt=models.F("b_cutoff"))
                & Q(b_cutoff__lte=100),
                name="scoring_settings_revenue_cutoffs",
            ),
            models.CheckConstraint(
                condition=Q(count_a_share__gt=0)
                & Q(count_b_share__gt=0)
                & Q(count_a_share__lte=100 - models.F("count_b_share")),
                name="scoring_settings_count_cutoffs",
            ),
            models.CheckConstraint(
                condition=Q(quadrant_thresholds="median")
                | (Q(input_threshold__isnull=False) & Q(output_threshold__isnull=False)),
                name="scoring_settings_fixed_thresholds",
            ),
            models.CheckConstraint(
                condition=Q(priority_worksheet_min__lte=7), name="scoring_settings_worksheet_min"
            ),
        ]

    def clean(self) -> None:
        errors = {}
        if (
            self.a_cutoff is not None
            and self.b_cutoff is not None
            and self.a_cutoff >= self.b_cutoff
        ):
            errors["b_cutoff"] = _("The B cut-off must be above the A cut-off.")
        if (
            self.count_a_share is not None
            and self.count_b_share is not None
            and self.count_a_share + self.count_b_share > 100
        ):
            errors["count_b_share"] = _(
                "The A and B shares of customers together cannot exceed 100%."
            )
        if self.quadrant_thresholds == ThresholdMode.FIXED:
            if self.input_threshold is None:
                errors["input_threshold"] = _("Give the input threshold for fixed thresholds.")
            if self.output_threshold is None:
                errors["output_threshold"] = _("Give the output threshold for fixed thresholds.")
        if errors:
            raise ValidationError(errors)


class TierRunQuerySet(models.QuerySet):
    def succeeded(self) -> "TierRunQuerySet":
        return self.filter(status=TierRun.Status.SUCCEEDED)

    def latest_succeeded(self) -> "TierRun | None":
        return self.succeeded().order_by("-finished_at", "-id").first()


class TierRun(models.Model):
    """One recompute: its parameters, its company-wide results, and its status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("On demand")
        NIGHTLY = "nightly", _("Nightly")
        IMPORT = "import", _("After an import")
        CLI = "cli", _("Command line")
        DEMO = "demo", _("Demo data")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previous_run = models.ForeignKey(
        "self",
        verbose_name=_("previous run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    window_days = models.PositiveIntegerField(
        _("window (days)"), null=True, blank=True, help_text=_("Empty: all time.")
    )
    date_from = models.DateField(_("from"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    a_cutoff = models.DecimalField(
        _("A cut-off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    b_cutoff = models.DecimalField(
        _("B cut-off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    locked_at = models.DateTimeField(_("computing since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    total_revenue = models.DecimalField(
        _("total revenue"), max_digits=20, decimal_places=2, default=Decimal("0")
    )
    changed_count = models.PositiveIntegerField(_("accounts whose tier changed"), default=0)
    moved_up = models.PositiveIntegerField(_("moved up"), default=0)
    moved_down = models.PositiveIntegerField(_("moved down"), default=0)
    customers_to_80 = models.PositiveIntegerField(_("top customers reaching 80%"), default=0)
    top20_share = models.DecimalField(
        _("revenue share of the top 20%"), max_digits=7, decimal_places=6, default=Decimal("0")
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    objects = TierRunQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("tier run")
        verbose_name_plural = _("tier runs")
        constraints = [
            # At most one recompute waits in the queue: a second request joins it.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="queued"),
                name="scoring_one_queued_run",
            ),
            models.CheckConstraint(
                condition=Q(window_days__isnull=True) | Q(window_days__gte=1),
                name="scoring_run_window_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "finished_at"], name="scoring_run_status")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.as_of or ''} {self.get_status_display()}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class TierSnapshot(models.Model):
    """An account's figures in one run. `position` is its rank by revenue (1 = biggest; empty
    when it had no orders in the window); `share_before` the revenue share of all accounts
    ranked strictly above its tie group, which decides its tier."""

    class Movement(models.IntegerChoices):
        UP = 1, _("Up")
        SAME = 0, _("Same")
        DOWN = -1, _("Down")

    # One full index, (run, account), serves every read: a run's rows, an account's row in a
    # run, an account's history over the latest runs. Neither key has a database constraint:
    # a recompute writes a row per account, and checking the keys row by row would cost
    # seconds at a million accounts (and lock every account row). Rows are only written by the
    # recompute, from ids it read in the same transaction under its lock; deleting a run
    # deletes its rows (CASCADE, done by Django); deleting an account keeps its old rows as
    # history, pruned with the runs.
    run = models.ForeignKey(
        TierRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="snapshots",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.DO_NOTHING,
        related_name="tier_snapshots",
        db_index=False,
        db_constraint=False,
    )
    position = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    revenue = models.DecimalField(_("revenue"), max_digits=20, decimal_places=2, null=True)
    share = models.DecimalField(_("share"), max_digits=7, decimal_places=6, null=True)
    share_before = models.DecimalField(_("share before"), max_digits=7, decimal_places=6, null=True)
    cumulative_share = models.DecimalField(
        _("cumulative share"), max_digits=7, decimal_places=6, null=True
    )
    tier = models.CharField(_("tier"), max_length=1, blank=True)
    previous_tier = models.CharField(_("previous tier"), max_length=1, blank=True)
    movement = models.SmallIntegerField(_("movement"), choices=Movement.choices, default=0)
    input_score = models.DecimalField(
        _("input"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    output_value = models.DecimalField(
        _("output"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    quadrant = models.PositiveSmallIntegerField(
        _("quadrant"), choices=Quadrant.choices, null=True, blank=True
    )
    potential_score = models.PositiveSmallIntegerField(_("worksheet total"), null=True, blank=True)
    revenue_potential = models.DecimalField(
        _("revenue potential"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, blank=True)

    class Meta:
        ordering = ["run", "position", "account"]
        verbose_name = _("tier snapshot row")
        verbose_name_plural = _("tier snapshot rows")
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="scoring_snapshot_unique"),
            models.CheckConstraint(
                condition=Q(tier__in=["", "A", "B", "C"]), name="scoring_snapshot_tier"
            ),
        ]
        # The movers of a run, without reading its unchanged rows (small: few tiers change).
        indexes = [
            models.Index(
                fields=["run", "account"], condition=~Q(movement=0), name="scoring_snapshot_moved"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.account_id} {self.tier or '–'}"


class RecomputeLock(models.Model):
    """One row (pk 1), locked with SELECT … FOR UPDATE for the whole of a recompute, so two
    recomputes never interleave."""

    name = models.CharField(max_length=40, unique=True, default="tiers")

    class Meta:
        verbose_name = _("recompute lock")
        verbose_name_plural = _("recompute locks")

    def __str__(self) -> str:
        return self.name
