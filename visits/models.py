"""Visit plans, the visit log, the pre-visit checklist, touches, occasions and reminders."""

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from accounts.models import Contact, Tier
from core.i18n import bilingual
from core.models import AppSettings

TIER_CHOICES = [*Tier.choices, ("", _("Untiered"))]
ROLE_CHOICES = [*Contact.Role.choices, ("", _("No role"))]


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    ANY = "any", _("Any time")


class TouchType(models.TextChoices):
    """Ways to reach a customer (拜访与推销的方式)."""

    LETTER = "letter", _("Advertising letter")
    VISIT = "visit", _("Visit")
    BROCHURE = "brochure", _("Brochure or promotion material")
    MESSAGE = "message", _("Online or chat message")
    SOUVENIR = "souvenir", _("Small souvenir")
    CARD = "card", _("Greeting card or sympathy letter")
    BIRTHDAY_GIFT = "birthday_gift", _("Birthday gift")


class VisitSettings(AppSettings):
    """Cadences, slots, lead times and the digest hour (one row an admin edits)."""

    cadence_a_days = models.PositiveSmallIntegerField(
        _("A-tier cadence (days)"), default=7, validators=[MinValueValidator(1)]
    )
    cadence_b_days = models.PositiveSmallIntegerField(
        _("B-tier cadence (days)"), default=30, validators=[MinValueValidator(1)]
    )
    cadence_c_days = models.PositiveSmallIntegerField(
        _("C-tier cadence (days)"), default=90, validators=[MinValueValidator(1)]
    )
    cadence_untiered_days = models.PositiveSmallIntegerField(
        _("Untiered cadence (days)"),
        default=60,
        help_text=_("0: accounts without a tier get no plans and no due reminders."),
    )
    a_tier_morning = models.BooleanField(_("A-tier visits in the morning"), default=True)
    morning_time = models.TimeField(_("morning slot starts"), default=datetime.time(9, 30))
    afternoon_time = models.TimeField(_("afternoon slot starts"), default=datetime.time(14, 30))
    due_horizon_days = models.PositiveSmallIntegerField(
        _("remind of due visits this many days ahead"),
        default=3,
        validators=[MaxValueValidator(60)],
    )
    gift_lead_days = models.PositiveSmallIntegerField(
        _("gift lead time (days)"), default=7, validators=[MaxValueValidator(60)]
    )
    greeting_lead_days = models.PositiveSmallIntegerField(
        _("greeting lead time (days)"), default=1, validators=[MaxValueValidator(60)]
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest email hour"),
        default=7,
        validators=[MaxValueValidator(23)],
        help_text=_("Local hour from which the daily digest email goes out."),
    )
    digest_enabled = models.BooleanField(_("send a daily digest email"), default=True)

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = AppSettings.Meta.constraints

    def cadence_for(self, tier: str) -> int:
        """Days between visits for a tier ("" = untiered); 0 means no cadence."""
        return {
            "A": self.cadence_a_days,
            "B": self.cadence_b_days,
            "C": self.cadence_c_days,
        }.get(tier, self.cadence_untiered_days)

    def slot_for(self, tier: str) -> tuple[str, datetime.time]:
        if tier == "A" and self.a_tier_morning:
            return Slot.MORNING, self.morning_time
        return Slot.AFTERNOON, self.afternoon_time


class ChecklistItem(models.Model):
    """One line of the pre-visit checklist (出发前检核); admins edit the list."""

    class Facts(models.TextChoices):
        NONE = "", _("Nothing")
        DECISION_MAKER = "decision_maker", _("The decision makers")
        INTERESTS = "interests", _("The contacts' interests")
        # Filled by the opportunities app's tag on the plan page (visits never imports it).
        OPPORTUNITIES = "opportunities", _("The account's open deals")

    position = models.PositiveSmallIntegerField(_("position"), unique=True)
    text_en = models.CharField(_("text (English)"), max_length=200)
    text_zh_hans = models.CharField(_("text (Simplified Chinese)"), max_length=200, blank=True)
    shows = models.CharField(
        _("shows beside it"), max_length=20, choices=Facts.choices, blank=True, default=""
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.CheckConstraint(condition=~Q(text_en=""), name="checklist_item_text_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    @property
    def text(self) -> str:
        return bilingual(self.text_en, self.text_zh_hans)


class VisitPlanQuerySet(models.QuerySet):
    def open(self) -> "VisitPlanQuerySet":
        return self.filter(status=VisitPlan.Status.PLANNED)

    def between(self, start: datetime.date, end: datetime.date) -> "VisitPlanQuerySet":
        return self.filter(planned_date__gte=start, planned_date__lte=end)


class VisitPlan(models.Model):
    """A planned visit to an account on a day (its rep is the account's owner)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        CADENCE = "cadence", _("From the cadence")
        MANUAL = "manual", _("By hand")

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="visit_plans",
    )
    planned_date = models.DateField(_("date"))
    planned_time = models.TimeField(_("time"), null=True, blank=True)
    slot = models.CharField(_("slot"), max_length=10, choices=Slot.choices, default=Slot.ANY)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    senior_manager = models.BooleanField(
        _("a senior manager should come"),
        default=False,
        help_text=_("Now and then a senior manager joins a visit to an A-tier customer."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
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

    objects = VisitPlanQuerySet.as_manager()

    class Meta:
        ordering = ["planned_date", "planned_time", "id"]
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [
            # Generating a plan twice (or by two people at once) cannot double a visit.
            models.UniqueConstraint(
                fields=["account", "planned_date"],
                condition=~Q(status="cancelled"),
                name="visit_plan_one_per_account_day",
                violation_error_message=_("This account already has a visit planned that day."),
            ),
        ]
        indexes = [
            models.Index(fields=["planned_date", "status"], name="visit_plan_date_status"),
            models.Index(fields=["account", "status", "planned_date"], name="visit_plan_account"),
        ]

    def __str__(self) -> str:
        return f"{self.planned_date:%Y-%m-%d} {self.account}"


class Visit(models.Model):
    """A logged visit: what happened, with whom, for how long and at what cost."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="visits",
    )
    visit_date = models.DateField(_("date"))
    visit_time = models.TimeField(_("time"), null=True, blank=True)
    contacts = models.ManyToManyField(
        "accounts.Contact", verbose_name=_("contacts met"), blank=True, related_name="visits"
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("time spent (minutes)"), default=60, validators=[MaxValueValidator(24 * 60)]
    )
    expenses = models.DecimalField(
        _("expenses"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    plan = models.OneToOneField(
        VisitPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visit",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Check-in (外勤签到): where the rep's browser said they were when they logged the visit,
    # with their consent; the distance from the account's location then (metres, haversine).
    check_in_latitude = models.DecimalField(
        _("check-in latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    check_in_longitude = models.DecimalField(
        _("check-in longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_accuracy_m = models.PositiveIntegerField(
        _("check-in accuracy (metres)"), null=True, blank=True
    )
    check_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_distance_m = models.PositiveIntegerField(
        _("distance from the account (metres)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-visit_date", "-visit_time", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(expenses__gte=0), name="visit_expenses_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__lte=24 * 60), name="visit_duration_at_most_a_day"
            ),
            # A check-in is a whole: a position in range and its time, or nothing.
            models.CheckConstraint(
                condition=Q(
                    check_in_latitude__isnull=True,
                    check_in_longitude__isnull=True,
                    check_in_at__isnull=True,
                    check_in_accuracy_m__isnull=True,
                    check_in_distance_m__isnull=True,
                )
                | Q(
                    check_in_latitude__gte=-90,
                    check_in_latitude__lte=90,
                    check_in_longitude__gte=-180,
                    check_in_longitude__lte=180,
                    check_in_at__isnull=False,
                ),
                name="visit_check_in_whole",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "visit_date"],
                include=["duration_minutes", "expenses"],
                name="visit_account_date",
            ),
            models.Index(fields=["visit_date"], name="visit_date"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_date:%Y-%m-%d} {self.account}"

    @property
    def hours(self):
        from decimal import Decimal

        return (Decimal(self.duration_minutes) / 60).quantize(Decimal("0.01"))


class ChecklistTick(models.Model):
    """An item of the checklist ticked for one planned visit."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="ticks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="ticks")
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="checklist_tick_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.item_id}"


class Occasion(models.Model):
    """A recurring reason to reach out: contacts' birthdays, holidays (lunar or solar), or a
    one-off date an admin adds. Per occasion: who gets a gift, who a greeting, how early."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Contacts' birthdays")
        LUNAR = "lunar", _("Every year, Chinese lunar calendar")
        SOLAR = "solar", _("Every year, same date")
        ONCE = "once", _("One date")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=100, blank=True)
    month = models.PositiveSmallIntegerField(
        _("month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    date = models.DateField(_("date"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    gift_type = models.CharField(
        _("gift"), max_length=20, choices=TouchType.choices, default=TouchType.BIRTHDAY_GIFT
    )
    gift_tiers = models.JSONField(_("tiers that get the gift"), default=list, blank=True)
    gift_roles = models.JSONField(_("roles that get the gift"), default=list, blank=True)
    gift_lead_days = models.PositiveSmallIntegerField(
        _("gift lead time (days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text=_("Empty: the default from the visit settings."),
    )
    greeting_type = models.CharField(
        _("greeting"), max_length=20, choices=TouchType.choices, default=TouchType.CARD
    )
    greeting_tiers = models.JSONField(_("tiers that get the greeting"), default=list, blank=True)
    greeting_roles = models.JSONField(_("roles that get the greeting"), default=list, blank=True)
    greeting_lead_days = models.PositiveSmallIntegerField(
        _("greeting lead time (days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text=_("Empty: the default from the visit settings."),
    )

    class Meta:
        ordering = ["kind", "month", "day", "date", "id"]
        verbose_name = _("occasion")
        verbose_name_plural = _("occasions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="birthday")
                | (
                    Q(kind__in=["lunar", "solar"])
                    & Q(month__isnull=False)
                    & Q(day__isnull=False)
                    & Q(day__lte=31)
                )
                | (Q(kind="once") & Q(date__isnull=False)),
                name="occasion_date_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="birthday"), name="occasion_one_birthday_rule"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_zh_hans)

    def clean(self) -> None:
        errors = {}
        if self.kind in (self.Kind.LUNAR, self.Kind.SOLAR):
            if self.month is None:
                errors["month"] = _("Give the month.")
            if self.day is None:
                errors["day"] = _("Give the day.")
            if (
                self.kind == self.Kind.SOLAR
                and self.month
                and self.day
                and self.day > calendar.monthrange(2024, self.month)[1]
            ):
                errors["day"] = _("This day does not exist in that month.")
            if self.kind == self.Kind.LUNAR and self.day and self.day > 30:
                errors["day"] = _("A lunar month has at most 30 days.")
        if self.kind == self.Kind.ONCE and self.date is None:
            errors["date"] = _("Give the date.")
        valid_tiers = {t for t, _label in TIER_CHOICES}
        valid_roles = {r for r, _label in ROLE_CHOICES}
        for field, valid in (
            ("gift_tiers", valid_tiers),
            ("greeting_tiers", valid_tiers),
            ("gift_roles", valid_roles),
            ("greeting_roles", valid_roles),
        ):
            value = getattr(self, field)
            if not isinstance(value, list) or any(v not in valid for v in value):
                errors[field] = _("Choose from the listed values.")
        if errors:
            raise ValidationError(errors)


class Touch(models.Model):
    """A way the customer was reached (letter, brochure, message, souvenir, card, gift, …)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="touches",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
    )
    type = models.CharField(_("type"), max_length=20, choices=TouchType.choices)
    date = models.DateField(_("date"))
    occasion = models.ForeignKey(
        Occasion,
        verbose_name=_("occasion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The calendar feed's DTSTAMP and SEQUENCE of the touch (calendars.ical); the database's
    # default covers rows written in SQL (bench, bulk loads).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_default=Now())

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [models.Index(fields=["account", "date"], name="touch_account_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_type_display()} {self.account}"


class ReminderQuerySet(models.QuerySet):
    def open(self) -> "ReminderQuerySet":
        return self.filter(status=Reminder.Status.OPEN)

    def showing_on(self, day: datetime.date) -> "ReminderQuerySet":
        """Open reminders that show on `day`: started and not snoozed past it."""
        return self.open().filter(
            Q(remind_on__lte=day) & (Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day))
        )


class Reminder(models.Model):
    """An in-app notification for one recipient about one subject, occasion and date.

    `subject` ("account:7", "contact:12", "plan:3") and `occasion_code` ("visit_due",
    "visit_tomorrow", "visit_overdue", "reassigned_to", "reassigned_from", "health_low",
    "health_drop", a payment's stage of lateness or an Occasion's code) make the one-row rule:
    the daily job inserts with ON CONFLICT DO NOTHING, so no run, retry or second worker doubles
    one.
    """

    class Kind(models.TextChoices):
        VISIT_DUE = "visit_due", _("Visit due, not planned")
        VISIT_TOMORROW = "visit_tomorrow", _("Visit coming up")
        VISIT_OVERDUE = "visit_overdue", _("Planned visit overdue")
        GIFT = "gift", _("Gift")
        GREETING = "greeting", _("Greeting")
        # Accounts given to or taken from the recipient (occasion_code `reassigned_to` or
        # `reassigned_from`); visible to its recipient even once the account left their book.
        ACCOUNT_REASSIGNED = "account_reassigned", _("Accounts reassigned")
        # An account's health is low or dropped sharply this week (health/, occasion_code
        # `health_low` or `health_drop`, dated by the Monday of the warning's week).
        ACCOUNT_HEALTH = "account_health", _("Account health warning")
        # A payment plan entry is due this week or overdue (receivables/, occasion_code
        # `payment_due`, `payment_overdue`, `payment_overdue_30`, `_60`, `_90`: its stage of
        # lateness; dated by the entry's due date, subject `entry:<id>`).
        PAYMENT_DUE = "payment_due", _("Payment due or overdue")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    # The daily job writes hundreds of thousands of rows on a holiday's eve, so per row it
    # pays for as little as it can: no index that a composite index below already covers
    # (recipient, account, plan), none for the occasion (deleting one of a handful may scan),
    # and no database foreign key to the recipient, account, contact or occasion, whose
    # per-row checks at commit more than doubled the job's time (see bench_visits). Deleting
    # any of them through the ORM still deletes its reminders (on_delete=CASCADE), and the
    # hourly sweep removes reminders whose account or contact is gone by other means.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=40)
    occasion_code = models.CharField(_("occasion code"), max_length=40)
    date = models.DateField(_("date"))
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    plan = models.ForeignKey(
        VisitPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    occasion = models.ForeignKey(
        Occasion,
        verbose_name=_("occasion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        db_constraint=False,
    )
    touch_type = models.CharField(
        _("suggested touch"), max_length=20, choices=TouchType.choices, blank=True
    )
    remind_on = models.DateField(_("shows from"))
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject", "occasion_code", "date"],
                name="reminder_one_per_subject_occasion_date",
            ),
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True)
                | Q(status="done", done_at__isnull=False),
                name="reminder_done_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "remind_on"], name="reminder_inbox"),
            models.Index(fields=["account", "status"], name="reminder_account"),
            models.Index(fields=["plan"], condition=Q(plan__isnull=False), name="reminder_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.occasion_code} {self.subject} {self.date}"


class ReminderRun(models.Model):
    """One row per day the daily job finished: the hourly sweep reruns a day without one."""

    date = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")

    def __str__(self) -> str:
        return str(self.date)


class DigestEmail(models.Model):
    """The daily digest for one recipient: the row is written (unique per recipient and day)
    before sending and marked sent in the same transaction that holds its lock while the
    mail goes out, so a retry never resends a digest that went out and a crash leaves it
    pending for the next sweep."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "recipient_id"]
        verbose_name = _("digest email")
        verbose_name_plural = _("digest emails")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "date"], name="digest_once_per_day"),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="digest_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["state", "date"], name="digest_state_date")]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.date} {self.state}"
