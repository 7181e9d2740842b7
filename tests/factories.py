"""factory_boy factories for every model of the project (one per model, in app order).

Defaults are the least a valid row needs; a test passes the values it asserts on explicitly.
Related rows are made on demand (`AccountFactory()` makes its owner), or reuse the row they
hang off (a reminder goes to its account's owner, a tick is made by its plan's account owner).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import (
    Account,
    AccountCompetitor,
    AccountSettings,
    AccountTeamMember,
    Competitor,
    Contact,
    Order,
)
from accounts.normalize import normalize_account_name
from calendars.models import CalendarFeed, token_digest
from commitments.models import Commitment
from core.models import AuditEntry, PendingTask
from crm.models import Team, Territory, User
from imports.models import (
    ImportBatch,
    ImportBeforeImage,
    ImportMapping,
    ImportRowError,
    ImportRowMatch,
)
from opportunities.models import (
    LossReason,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    OpportunitySettings,
    Stage,
    Target,
)
from prospects.models import CRITERION_FIELDS, Prospect, ProspectSettings, SubStage, Worksheet
from scoring.models import RecomputeLock, ScoringSettings, TierRun, TierSnapshot
from visits.models import (
    ChecklistItem,
    ChecklistTick,
    DigestEmail,
    Occasion,
    Reminder,
    ReminderRun,
    Touch,
    TouchType,
    Visit,
    VisitPlan,
    VisitSettings,
)
from visits.services import accounts_last_visit_refresh

# --- crm ---------------------------------------------------------------------------------


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Territory {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.REP
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.SubFactory(UserFactory, role=User.Role.MANAGER)


class PendingTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PendingTask

    task_name = "crm.tasks.republish_pending_tasks_task"


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    actor = factory.SubFactory(UserFactory)
    action = "update"
    model = "accounts.account"


class _AppSettingsFactory(factory.django.DjangoModelFactory):
    """The one settings row (pk 1) of an app, with the given fields changed. Another pk is
    created as asked (the database refuses it)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        pk = kwargs.pop("pk", kwargs.pop("id", 1))
        if pk != 1:
            return model_class.objects.create(pk=pk, **kwargs)
        obj, _created = model_class.objects.update_or_create(pk=1, defaults=kwargs)
        return obj


class TokenFactory(factory.django.DjangoModelFactory):
    """A DRF API token (not our model; the API tests sign in with one)."""

    class Meta:
        model = Token

    user = factory.SubFactory(UserFactory)


# --- accounts ----------------------------------------------------------------------------


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n} Co., Ltd.")
    normalized_name = factory.LazyAttribute(lambda o: normalize_account_name(o.name))
    owner = factory.SubFactory(UserFactory)
    lifecycle = Account.Lifecycle.EXISTING


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    account = factory.SubFactory(AccountFactory)
    date = factory.LazyFunction(datetime.date.today)
    amount = Decimal("100.00")


# --- imports -----------------------------------------------------------------------------


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    kind = ImportBatch.Kind.CUSTOMERS
    created_by = factory.SubFactory(UserFactory, role=User.Role.ADMIN)


class ImportRowErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowError

    batch = factory.SubFactory(ImportBatchFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    code = "required"


class ImportRowMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowMatch

    batch = factory.SubFactory(ImportBatchFactory)
    row_number = 2
    account_id = factory.LazyFunction(lambda: AccountFactory().pk)
    account_name = "Matched Co."
    reason = ImportRowMatch.Reason.NAME
    action = "skip"


class ImportBeforeImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBeforeImage

    batch = factory.SubFactory(ImportBatchFactory)
    model = ImportBeforeImage.Model.ACCOUNT
    object_id = factory.Sequence(lambda n: n + 1)
    data = factory.LazyAttribute(lambda o: {"id": o.object_id, "name": "Before Co., Ltd."})


class ImportMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportMapping

    name = factory.Sequence(lambda n: f"mapping-{n}")
    kind = ImportBatch.Kind.CUSTOMERS
    mapping = factory.LazyFunction(lambda: {"客户名称": "name"})
    created_by = factory.SubFactory(UserFactory, role=User.Role.ADMIN)


# --- prospects ---------------------------------------------------------------------------


class ProspectSettingsFactory(_AppSettingsFactory):
    class Meta:
        model = ProspectSettings


class SubStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubStage

    colour = "yellow"
    name = factory.Sequence(lambda n: f"Sub-stage {n}")


class WorksheetFactory(factory.django.DjangoModelFactory):
    """Every criterion 0 unless given; `total` is their sum unless given."""

    class Meta:
        model = Worksheet

    account = factory.SubFactory(AccountFactory, lifecycle=Account.Lifecycle.POTENTIAL)
    filled_at = factory.LazyFunction(timezone.now)
    growth = 0
    business_plans = 0
    revenue_potential = 0
    opportunities = 0
    solution_fit = 0
    competitiveness = 0
    relationship = 0
    total = factory.LazyAttribute(lambda o: sum(getattr(o, f) for f in CRITERION_FIELDS))


class ProspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prospect

    account = factory.SubFactory(AccountFactory, lifecycle=Account.Lifecycle.POTENTIAL)


# --- scoring -----------------------------------------------------------------------------


class ScoringSettingsFactory(_AppSettingsFactory):
    class Meta:
        model = ScoringSettings


class TierRunFactory(factory.django.DjangoModelFactory):
    """A finished run (at most one may be queued: pass `status` for another state)."""

    class Meta:
        model = TierRun

    trigger = TierRun.Trigger.CLI
    status = TierRun.Status.SUCCEEDED
    # A finished run has its date and end; in any other state they stay empty unless given.
    as_of = factory.LazyAttribute(
        lambda o: timezone.localdate() if o.status == TierRun.Status.SUCCEEDED else None
    )
    finished_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == TierRun.Status.SUCCEEDED else None
    )


class TierSnapshotFactory(factory.django.DjangoModelFactory):
    """The one account of its run: rank 1, all of the revenue, tier A."""

    class Meta:
        model = TierSnapshot

    run = factory.SubFactory(TierRunFactory)
    account = factory.SubFactory(AccountFactory)
    position = 1
    revenue = Decimal("100.00")
    share = Decimal("1")
    share_before = Decimal("0")
    cumulative_share = Decimal("1")
    tier = "A"


class RecomputeLockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecomputeLock
        django_get_or_create = ("name",)

    name = "tiers"


# --- visits ------------------------------------------------------------------------------


class VisitSettingsFactory(_AppSettingsFactory):
    class Meta:
        model = VisitSettings


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    # Far above the built-in list (visits.defaults), which the visits tests seed.
    position = factory.Sequence(lambda n: 1000 + n)
    text_en = factory.Sequence(lambda n: f"Checklist item {n}")


class VisitPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPlan

    account = factory.SubFactory(AccountFactory)
    planned_date = datetime.date(2026, 1, 5)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit
        skip_postgeneration_save = True  # the hook below writes the account, not the visit

    account = factory.SubFactory(AccountFactory)
    visit_date = datetime.date(2026, 1, 5)
    duration_minutes = 60

    @factory.post_generation
    def last_visit(obj, create, extracted, **kwargs):
        """The account's last visit date, as the visit services keep it."""
        if create:
            accounts_last_visit_refresh(account_ids=[obj.account_id])


class ChecklistTickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistTick

    plan = factory.SubFactory(VisitPlanFactory)
    item = factory.SubFactory(ChecklistItemFactory)
    ticked_by = factory.SelfAttribute("plan.account.owner")


class OccasionFactory(factory.django.DjangoModelFactory):
    """A one-off date unless told otherwise (a solar or lunar one needs month and day)."""

    class Meta:
        model = Occasion

    code = factory.Sequence(lambda n: f"occasion-{n}")
    kind = Occasion.Kind.ONCE
    name_en = factory.Sequence(lambda n: f"Occasion {n}")
    date = factory.LazyAttribute(
        lambda o: timezone.localdate() if o.kind == Occasion.Kind.ONCE else None
    )


class TouchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touch

    account = factory.SubFactory(AccountFactory)
    type = TouchType.CARD
    date = datetime.date(2026, 1, 5)


class ReminderFactory(factory.django.DjangoModelFactory):
    """A "visit due" reminder of an account for its owner, showing from its date."""

    class Meta:
        model = Reminder

    account = factory.SubFactory(AccountFactory)
    recipient = factory.SelfAttribute("account.owner")
    kind = Reminder.Kind.VISIT_DUE
    subject = factory.LazyAttribute(lambda o: f"account:{o.account.pk}")
    occasion_code = factory.LazyAttribute(lambda o: str(o.kind))
    date = factory.LazyFunction(timezone.localdate)
    remind_on = factory.SelfAttribute("date")


class ReminderRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderRun

    date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))


class DigestEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestEmail

    recipient = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(timezone.localdate)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    account = factory.SubFactory(AccountFactory)
    title = factory.Sequence(lambda n: f"Send the quote {n}")
    due_date = datetime.date(2026, 1, 5)
    owner = factory.SelfAttribute("account.owner")


# playbook
from playbook.models import (  # noqa: E402
    IntelligenceAnswer,
    IntelligenceQuestion,
    Situation,
    TalkTrack,
)


class TalkTrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TalkTrack

    situation = Situation.GATEKEEPER
    title_en = factory.Sequence(lambda n: f"Talk track {n}")
    title_zh_hans = factory.Sequence(lambda n: f"话术 {n}")
    text_en = "Ask for the name of the buyer."
    text_zh_hans = "请教采购负责人的姓名。"
    position = factory.Sequence(lambda n: 100 + n)


class IntelligenceQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntelligenceQuestion

    text_en = factory.Sequence(lambda n: f"Question {n}?")
    text_zh_hans = factory.Sequence(lambda n: f"问题 {n}？")
    position = factory.Sequence(lambda n: 100 + n)


class IntelligenceAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntelligenceAnswer

    account = factory.SubFactory(AccountFactory)
    question = factory.SubFactory(IntelligenceQuestionFactory)
    text = factory.Sequence(lambda n: f"Answer {n}")
    answered_by = factory.SelfAttribute("account.owner")
    answered_at = factory.LazyFunction(timezone.now)


# robots
from robots.models import RobotDelivery, RobotMessage, RobotWebhook  # noqa: E402


class RobotWebhookFactory(factory.django.DjangoModelFactory):
    """A WeCom robot of a rep."""

    class Meta:
        model = RobotWebhook

    user = factory.SubFactory(UserFactory)
    platform = "wecom"
    name = factory.Sequence(lambda n: f"Robot {n}")
    url = factory.Sequence(lambda n: f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k{n}")


class RobotMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RobotMessage

    webhook = factory.SubFactory(RobotWebhookFactory)
    kind = RobotMessage.Kind.URGENT
    date = factory.LazyFunction(timezone.localdate)


class RobotDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RobotDelivery

    message = factory.SubFactory(RobotMessageFactory)
    webhook = factory.SelfAttribute("message.webhook")
    reminder = factory.SubFactory(ReminderFactory)


# calendars


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"test-token-{n:04d}-" + "x" * 27)
    digest = factory.LazyAttribute(lambda o: token_digest(o.token))
    created_at = factory.LazyFunction(timezone.now)


# opportunities


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    name_en = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: 100 + n)
    probability = 40


class LossReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LossReason

    name_en = factory.Sequence(lambda n: f"Reason {n}")


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("100000.00")
    close_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    stage = factory.SubFactory(StageFactory)
    owner = factory.SelfAttribute("account.owner")


class OpportunityContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityContact

    opportunity = factory.SubFactory(OpportunityFactory)
    contact = factory.SubFactory(
        ContactFactory, account=factory.SelfAttribute("..opportunity.account")
    )
    role = OpportunityContact.Role.DECISION_MAKER


class OpportunityChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityChange

    opportunity = factory.SubFactory(OpportunityFactory)
    kind = OpportunityChange.Kind.CREATED
    changed_at = factory.LazyFunction(timezone.now)
    stage_after = factory.SelfAttribute("opportunity.stage")
    status_after = factory.SelfAttribute("opportunity.status")
    amount_after = factory.SelfAttribute("opportunity.amount")
    close_date_after = factory.SelfAttribute("opportunity.close_date")


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    user = factory.SubFactory(UserFactory)
    period = Target.Period.MONTH
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    measure = Target.Measure.REVENUE
    value = Decimal("500000.00")


# key-account depth (accounts)


class AccountTeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = AccountTeamMember.Role.TECHNICAL


class CompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competitor

    name = factory.Sequence(lambda n: f"Competitor {n}")


class AccountCompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountCompetitor

    account = factory.SubFactory(AccountFactory)
    competitor = factory.SubFactory(CompetitorFactory)
    share = Decimal("40.00")


# oppcore


class OpportunitySettingsFactory(_AppSettingsFactory):
    class Meta:
        model = OpportunitySettings


# buyingcentre


class AccountSettingsFactory(_AppSettingsFactory):
    class Meta:
        model = AccountSettings


# keyplan

from keyaccounts.models import (  # noqa: E402
    KeyAccountPlan,
    PlanAction,
    PlanReview,
    RelationshipGoal,
    WhitespaceMark,
    WhitespaceProduct,
    WhitespaceRow,
)


class KeyAccountPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyAccountPlan

    account = factory.SubFactory(AccountFactory, tier="A")
    year = 2026
    revenue_target = Decimal("1000000.00")
    share_target = Decimal("40.00")
    created_by = factory.SelfAttribute("account.owner")


class WhitespaceRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhitespaceRow

    plan = factory.SubFactory(KeyAccountPlanFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class WhitespaceProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhitespaceProduct

    plan = factory.SubFactory(KeyAccountPlanFactory)
    name = factory.Sequence(lambda n: f"Product line {n}")


class WhitespaceMarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhitespaceMark

    row = factory.SubFactory(WhitespaceRowFactory)
    product = factory.Sequence(lambda n: f"Product {n}")


class RelationshipGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipGoal

    plan = factory.SubFactory(KeyAccountPlanFactory)
    contact = factory.SubFactory(ContactFactory, account=factory.SelfAttribute("..plan.account"))
    goal_stance = Contact.Stance.CHAMPION


class PlanActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    plan = factory.SubFactory(KeyAccountPlanFactory)
    commitment = factory.SubFactory(
        CommitmentFactory, account=factory.SelfAttribute("..plan.account")
    )


class PlanReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanReview

    plan = factory.SubFactory(KeyAccountPlanFactory)
    version = factory.Sequence(lambda n: n + 1)
    snapshot = factory.LazyFunction(lambda: {"year": 2026})
    reviewed_by = factory.SelfAttribute("plan.account.owner")


# --- deals' competitors, account health, receivables -------------------------------------------

from health.models import HealthSettings, HealthSnapshot  # noqa: E402
from opportunities.models import OpportunityCompetitor  # noqa: E402
from receivables.models import (  # noqa: E402
    Contract,
    ContractAttachment,
    ContractOrder,
    Invoice,
    Payment,
    PaymentAllocation,
    PlanEntry,
)


class OpportunityCompetitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityCompetitor

    opportunity = factory.SubFactory(OpportunityFactory)
    competitor = factory.SubFactory(CompetitorFactory)


class HealthSettingsFactory(_AppSettingsFactory):
    class Meta:
        model = HealthSettings


class HealthSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthSnapshot

    account = factory.SubFactory(AccountFactory)
    day = factory.LazyFunction(timezone.localdate)
    score = 80
    tier = ""
    score_week_ago = 82
    created_at = factory.LazyFunction(timezone.now)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"CT-{n:05d}")
    amount = Decimal("1000.00")
    owner = factory.SelfAttribute("account.owner")


class PlanEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanEntry

    contract = factory.SubFactory(ContractFactory)
    amount = Decimal("500.00")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    account = factory.SubFactory(AccountFactory)
    received_on = factory.LazyFunction(timezone.localdate)
    amount = Decimal("100.00")
    is_advance = True


class PaymentAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentAllocation

    entry = factory.SubFactory(PlanEntryFactory)
    payment = factory.SubFactory(
        PaymentFactory, account=factory.SelfAttribute("..entry.contract.account")
    )
    amount = Decimal("100.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    entry = factory.SubFactory(PlanEntryFactory)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    issued_on = factory.LazyFunction(timezone.localdate)
    amount = Decimal("100.00")


class ContractOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractOrder

    contract = factory.SubFactory(ContractFactory)
    order = factory.SubFactory(OrderFactory, account=factory.SelfAttribute("..contract.account"))


class ContractAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractAttachment

    contract = factory.SubFactory(ContractFactory)
    file = factory.django.FileField(filename="scan.pdf", data=b"%PDF-1.4\n%%EOF\n")
    name = "scan.pdf"
    content_type = "application/pdf"
    size = 15
