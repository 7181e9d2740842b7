"""The deals' services: each rule, the history, the next step's commitment, the audit trail,
and every refusal leaving the database as it was."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from commitments.models import Commitment
from core.models import AuditEntry
from opportunities import services
from opportunities.models import (
    LossReason,
    Opportunity,
    OpportunityChange,
    OpportunityContact,
    Stage,
)
from tests.factories import ContactFactory, OpportunityFactory, StageFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def _data(account, stage, **extra):
    return {
        "account": account,
        "name": "Line 3 retrofit",
        "amount": Decimal("250000.00"),
        "close_date": TODAY() + 30 * DAY,
        "stage": stage,
        **extra,
    }


@pytest.fixture
def deal(org, stages):
    return services.opportunity_create(
        actor=org["r1"], data=_data(org["accounts"]["r1"], stages["first_contact"])
    )


def _refused(db_state, field, call):
    before = db_state()
    with pytest.raises(ValidationError) as refused:
        call()
    assert field in refused.value.message_dict, refused.value.message_dict
    assert db_state() == before


# --- create ------------------------------------------------------------------------------------


def test_create_writes_the_deal_its_created_row_and_the_audit(org, stages):
    rep = org["r1"]
    deal = services.opportunity_create(
        actor=rep, data=_data(org["accounts"]["r1"], stages["proposal"])
    )
    assert (deal.owner, deal.created_by, deal.status, deal.closed_on) == (rep, rep, "open", None)
    change = OpportunityChange.objects.get(opportunity=deal)
    assert (change.kind, change.changed_by, change.stage_before, change.stage_after) == (
        "created",
        rep,
        None,
        stages["proposal"],
    )
    assert (change.amount_before, change.amount_after) == (None, Decimal("250000.00"))
    assert (change.close_date_before, change.close_date_after) == (None, deal.close_date)
    assert (change.status_before, change.status_after) == ("", "open")
    entry = AuditEntry.objects.get(model="opportunities.Opportunity", action="create")
    assert entry.changes["name"] == [None, "Line 3 retrofit"]
    assert entry.account_id == deal.account_id


def test_a_negative_amount_is_refused(org, stages, db_state):
    data = _data(org["accounts"]["r1"], stages["proposal"], amount=Decimal("-0.01"))
    _refused(db_state, "amount", lambda: services.opportunity_create(actor=org["r1"], data=data))


def test_an_inactive_stage_is_refused(org, stages, db_state):
    retired = StageFactory(is_active=False)
    data = _data(org["accounts"]["r1"], retired)
    _refused(db_state, "stage", lambda: services.opportunity_create(actor=org["r1"], data=data))


def test_a_stage_not_in_the_list_is_refused(org, stages, db_state):
    """A stage object that is not a row of the list (unsaved, or deleted since)."""
    stray = Stage(pk=999_999, name_en="Elsewhere")
    data = _data(org["accounts"]["r1"], stray)
    _refused(db_state, "stage", lambda: services.opportunity_create(actor=org["r1"], data=data))


def test_an_account_outside_the_book_is_refused(org, stages, db_state):
    data = _data(org["accounts"]["r3"], stages["proposal"])
    _refused(db_state, "account", lambda: services.opportunity_create(actor=org["r1"], data=data))


def test_an_owner_the_actor_may_not_assign_is_refused(org, stages, db_state):
    data = _data(org["accounts"]["r1"], stages["proposal"], owner=org["r2"])
    _refused(db_state, "owner", lambda: services.opportunity_create(actor=org["r1"], data=data))


def test_a_manager_gives_a_deal_to_a_rep_of_the_team(org, stages):
    data = _data(org["accounts"]["r2"], stages["proposal"], owner=org["r2"])
    deal = services.opportunity_create(actor=org["m1"], data=data)
    assert (deal.owner, deal.created_by) == (org["r2"], org["m1"])


def test_an_unknown_field_and_an_empty_name_are_refused(org, stages, db_state):
    account = org["accounts"]["r1"]
    for field, data in (
        ("status", _data(account, stages["proposal"], status="won")),
        ("name", _data(account, stages["proposal"], name="  ")),
        ("close_date", _data(account, stages["proposal"], close_date=None)),
        ("probability", _data(account, stages["proposal"], probability=101)),
    ):
        _refused(
            db_state,
            field,
            lambda data=data: services.opportunity_create(actor=org["r1"], data=data),
        )


def test_a_close_date_in_the_past_is_allowed_but_flagged(org, stages):
    data = _data(org["accounts"]["r1"], stages["proposal"], close_date=TODAY() - DAY)
    deal = services.opportunity_create(actor=org["r1"], data=data)
    assert deal.is_overdue is True
    assert Opportunity.objects.overdue(TODAY()).get() == deal
    [warning] = services.opportunity_warnings(deal)
    assert "in the past" in warning
    on_time = services.opportunity_create(
        actor=org["r1"], data=_data(org["accounts"]["r1"], stages["proposal"], close_date=TODAY())
    )
    assert (on_time.is_overdue, services.opportunity_warnings(on_time)) == (False, [])


def test_a_closed_deal_with_a_past_close_date_is_not_flagged(org, stages):
    data = _data(org["accounts"]["r1"], stages["won"], close_date=TODAY() - 10 * DAY)
    deal = services.opportunity_create(actor=org["r1"], data=data)
    assert (deal.status, deal.closed_on, deal.is_overdue) == ("won", TODAY(), False)


def test_created_lost_needs_a_reason_and_open_refuses_one(org, stages, reasons, db_state):
    account = org["accounts"]["r1"]
    lost = _data(account, stages["lost"])
    _refused(
        db_state, "loss_reason", lambda: services.opportunity_create(actor=org["r1"], data=lost)
    )
    open_with_reason = _data(account, stages["proposal"], loss_reason=reasons["price"])
    _refused(
        db_state,
        "loss_reason",
        lambda: services.opportunity_create(actor=org["r1"], data=open_with_reason),
    )
    deal = services.opportunity_create(
        actor=org["r1"], data={**lost, "loss_reason": reasons["price"]}
    )
    assert (deal.status, deal.loss_reason, deal.closed_on) == ("lost", reasons["price"], TODAY())


# --- update ------------------------------------------------------------------------------------


def test_update_writes_one_change_row_with_before_and_after(org, stages, deal):
    old_close = deal.close_date
    services.opportunity_update(
        actor=org["r1"],
        opportunity=deal,
        data={"amount": Decimal("300000.00"), "close_date": old_close + DAY},
    )
    change = deal.changes.get(kind="changed")
    assert (change.amount_before, change.amount_after) == (
        Decimal("250000.00"),
        Decimal("300000.00"),
    )
    assert (change.close_date_before, change.close_date_after) == (old_close, old_close + DAY)
    assert change.stage_before == change.stage_after == stages["first_contact"]
    assert change.stage_changed is False


def test_update_of_other_fields_writes_no_change_row(org, deal):
    services.opportunity_update(
        actor=org["r1"], opportunity=deal, data={"description": "Needs a site visit"}
    )
    assert deal.changes.count() == 1
    entry = AuditEntry.objects.get(model="opportunities.Opportunity", action="update")
    assert entry.changes == {"description": ["", "Needs a site visit"]}


def test_update_refusals_change_nothing(org, stages, deal, db_state):
    retired = StageFactory(is_active=False)
    for field, data in (
        ("amount", {"amount": Decimal("-1")}),
        ("stage", {"stage": retired}),
        ("account", {"account": org["accounts"]["r3"]}),
        ("owner", {"owner": org["r3"]}),
        ("next_step", {"next_step_date": TODAY()}),
    ):
        _refused(
            db_state,
            field,
            lambda data=data: services.opportunity_update(
                actor=org["r1"], opportunity=deal, data=data
            ),
        )


def test_a_deal_outside_sight_answers_404(org, deal, db_state):
    before = db_state()
    for call in (
        lambda: services.opportunity_update(actor=org["r3"], opportunity=deal, data={"name": "x"}),
        lambda: services.opportunity_delete(actor=org["r3"], opportunity=deal),
        lambda: services.opportunity_contacts_set(actor=org["r3"], opportunity=deal, contacts=[]),
    ):
        with pytest.raises(Http404):
            call()
    assert db_state() == before


def test_a_deal_keeps_a_stage_deactivated_since(org, stages, deal):
    Stage.objects.filter(pk=stages["first_contact"].pk).update(is_active=False)
    services.opportunity_update(actor=org["r1"], opportunity=deal, data={"name": "Renamed"})
    deal.refresh_from_db()
    assert (deal.name, deal.stage) == ("Renamed", stages["first_contact"])


def test_moving_a_deal_to_another_account_drops_its_contacts_there(org, stages, deal):
    mine = ContactFactory(account=deal.account)
    services.opportunity_contacts_set(
        actor=org["r1"], opportunity=deal, contacts=[(mine, "champion")]
    )
    other = org["accounts"]["r2"]
    services.opportunity_update(actor=org["m1"], opportunity=deal, data={"account": other})
    assert not deal.contact_roles.exists()


# --- move --------------------------------------------------------------------------------------


def test_move_to_lost_needs_an_active_reason(org, stages, reasons, deal, db_state):
    retired = LossReason.objects.create(name_en="Retired", is_active=False)
    for reason in (None, retired):
        _refused(
            db_state,
            "loss_reason",
            lambda reason=reason: services.opportunity_move(
                actor=org["r1"], opportunity=deal, stage=stages["lost"], loss_reason=reason
            ),
        )


def test_move_to_won_lost_and_back(org, stages, reasons, deal):
    rep = org["r1"]
    won = services.opportunity_move(
        actor=rep, opportunity=deal, stage=stages["won"], close_note="Signed"
    )
    assert (won.status, won.closed_on, won.close_note) == ("won", TODAY(), "Signed")
    lost = services.opportunity_move(
        actor=rep, opportunity=deal, stage=stages["lost"], loss_reason=reasons["competitor"]
    )
    assert (lost.status, lost.loss_reason, lost.closed_on) == (
        "lost",
        reasons["competitor"],
        TODAY(),
    )
    reopened = services.opportunity_move(actor=rep, opportunity=deal, stage=stages["negotiation"])
    assert (reopened.status, reopened.closed_on, reopened.loss_reason) == ("open", None, None)
    history = list(deal.changes.values_list("status_before", "status_after"))
    assert history == [("", "open"), ("open", "won"), ("won", "lost"), ("lost", "open")]
    stages_seen = list(deal.changes.values_list("stage_after__code", flat=True))
    assert stages_seen == ["first_contact", "won", "lost", "negotiation"]


def test_move_to_the_same_stage_changes_nothing(org, stages, deal, db_state):
    before = db_state()
    services.opportunity_move(actor=org["r1"], opportunity=deal, stage=stages["first_contact"])
    assert db_state() == before


def test_a_reason_for_an_open_stage_is_refused(org, stages, reasons, deal, db_state):
    _refused(
        db_state,
        "loss_reason",
        lambda: services.opportunity_move(
            actor=org["r1"],
            opportunity=deal,
            stage=stages["proposal"],
            loss_reason=reasons["price"],
        ),
    )


def test_moving_between_stages_never_changes_the_total_amount(org, stages, reasons):
    """The issue's property, over every ordered pair of the built-in stages."""
    account = org["accounts"]["r1"]
    deals = [
        services.opportunity_create(
            actor=org["r1"],
            data=_data(account, stages["proposal"], amount=Decimal(amount)),
        )
        for amount in ("10.00", "20.50", "30.25")
    ]
    total = sum(d.amount for d in Opportunity.objects.all())
    for stage in Stage.objects.filter(is_active=True):
        for deal in deals:
            services.opportunity_move(
                actor=org["r1"],
                opportunity=deal,
                stage=stage,
                loss_reason=reasons["price"] if stage.is_lost else None,
            )
            assert sum(d.amount for d in Opportunity.objects.all()) == total


# --- the next step's commitment ----------------------------------------------------------------


def test_a_dated_next_step_becomes_the_owners_commitment_and_follows(org, stages, deal):
    rep = org["r1"]
    due = TODAY() + 3 * DAY
    services.opportunity_update(
        actor=rep, opportunity=deal, data={"next_step": "Send the quotation", "next_step_date": due}
    )
    deal.refresh_from_db()
    commitment = deal.next_step_commitment
    assert (commitment.title, commitment.due_date, commitment.owner, commitment.account) == (
        "Send the quotation",
        due,
        rep,
        deal.account,
    )
    services.opportunity_update(
        actor=rep, opportunity=deal, data={"next_step": "Send the revised quotation"}
    )
    commitment.refresh_from_db()
    assert commitment.title == "Send the revised quotation"
    services.opportunity_update(actor=org["m1"], opportunity=deal, data={"owner": org["r2"]})
    commitment.refresh_from_db()
    assert commitment.owner == org["r2"]
    services.opportunity_update(
        actor=rep, opportunity=deal, data={"next_step_date": None, "next_step": ""}
    )
    deal.refresh_from_db()
    assert deal.next_step_commitment is None
    assert not Commitment.objects.filter(pk=commitment.pk).exists()


def test_a_done_commitment_stays_and_a_changed_step_makes_a_new_one(org, stages, deal):
    rep = org["r1"]
    services.opportunity_update(
        actor=rep, opportunity=deal, data={"next_step": "Call", "next_step_date": TODAY()}
    )
    deal.refresh_from_db()
    first = deal.next_step_commitment
    Commitment.objects.filter(pk=first.pk).update(status="done", done_at=timezone.now())
    services.opportunity_update(actor=rep, opportunity=deal, data={"description": "x"})
    deal.refresh_from_db()
    assert deal.next_step_commitment_id == first.pk
    services.opportunity_update(
        actor=rep, opportunity=deal, data={"next_step": "Visit", "next_step_date": TODAY() + DAY}
    )
    deal.refresh_from_db()
    assert deal.next_step_commitment_id != first.pk
    assert deal.next_step_commitment.title == "Visit"
    assert Commitment.objects.get(pk=first.pk).status == "done"


def test_a_long_next_step_is_cut_in_the_title_and_whole_in_the_notes(org, stages):
    text = "Prepare " + "the technical annex " * 20
    deal = services.opportunity_create(
        actor=org["r1"],
        data=_data(
            org["accounts"]["r1"], stages["proposal"], next_step=text, next_step_date=TODAY()
        ),
    )
    commitment = deal.next_step_commitment
    assert len(commitment.title) == 255 and commitment.title.endswith("…")
    assert text.strip() in commitment.notes


def test_deleting_a_deal_deletes_its_open_commitment(org, stages):
    deal = services.opportunity_create(
        actor=org["r1"],
        data=_data(
            org["accounts"]["r1"], stages["proposal"], next_step="Call", next_step_date=TODAY()
        ),
    )
    commitment = deal.next_step_commitment
    services.opportunity_delete(actor=org["r1"], opportunity=deal)
    assert not Opportunity.objects.filter(pk=deal.pk).exists()
    assert not Commitment.objects.filter(pk=commitment.pk).exists()
    assert AuditEntry.objects.filter(model="opportunities.Opportunity", action="delete").exists()


# --- contacts ----------------------------------------------------------------------------------


def test_contacts_set_replaces_the_roles(org, deal):
    a, b = ContactFactory(account=deal.account), ContactFactory(account=deal.account)
    services.opportunity_contacts_set(
        actor=org["r1"], opportunity=deal, contacts=[(a, "decision_maker"), (b, "user")]
    )
    services.opportunity_contacts_set(actor=org["r1"], opportunity=deal, contacts=[(b, "champion")])
    assert list(OpportunityContact.objects.values_list("contact", "role")) == [(b.pk, "champion")]


def test_contacts_of_another_account_a_bad_role_or_twice_are_refused(org, deal, db_state):
    mine = ContactFactory(account=deal.account)
    theirs = ContactFactory(account=org["accounts"]["r2"])
    for pairs in ([(theirs, "user")], [(mine, "boss")], [(mine, "user"), (mine, "champion")]):
        _refused(
            db_state,
            "contacts",
            lambda pairs=pairs: services.opportunity_contacts_set(
                actor=org["r1"], opportunity=deal, contacts=pairs
            ),
        )


# --- the admins' lists -------------------------------------------------------------------------


def test_only_admins_edit_the_lists(org, stages, reasons, db_state):
    before = db_state()
    for user in (org["r1"], org["m1"]):
        for call in (
            lambda user=user: services.stage_create(actor=user, data={"name_en": "New"}),
            lambda user=user: services.stage_update(
                actor=user, stage=stages["proposal"], data={"probability": 1}
            ),
            lambda user=user: services.stage_reorder(actor=user, stage_ids=[]),
            lambda user=user: services.stage_delete(actor=user, stage=stages["proposal"]),
            lambda user=user: services.loss_reason_create(actor=user, data={"name_en": "New"}),
            lambda user=user: services.loss_reason_delete(actor=user, reason=reasons["price"]),
        ):
            with pytest.raises(PermissionDenied):
                call()
    assert db_state() == before


def test_stage_create_update_reorder_deactivate(org, stages):
    admin = org["admin"]
    stage = services.stage_create(
        actor=admin, data={"name_en": "Pilot", "name_zh_hans": "试点", "probability": 60}
    )
    assert stage.position > stages["lost"].position
    services.stage_update(actor=admin, stage=stage, data={"probability": 65})
    stage.refresh_from_db()
    assert stage.probability == 65
    order = [stage.pk, *Stage.objects.exclude(pk=stage.pk).values_list("pk", flat=True)]
    services.stage_reorder(actor=admin, stage_ids=order)
    assert list(Stage.objects.values_list("pk", flat=True)) == order
    services.stage_deactivate(actor=admin, stage=stage)
    stage.refresh_from_db()
    assert stage.is_active is False
    assert AuditEntry.objects.filter(model="opportunities.Stage", action="reorder").exists()


def test_stage_refusals(org, stages, deal, db_state):
    admin = org["admin"]
    for field, call in (
        ("name_en", lambda: services.stage_create(actor=admin, data={"name_en": ""})),
        (
            "is_lost",
            lambda: services.stage_create(
                actor=admin, data={"name_en": "Both", "is_won": True, "is_lost": True}
            ),
        ),
        (
            "probability",
            lambda: services.stage_create(actor=admin, data={"name_en": "X", "probability": 101}),
        ),
        # deals in it: its flags stay
        (
            "is_won",
            lambda: services.stage_update(
                actor=admin, stage=stages["first_contact"], data={"is_won": True}
            ),
        ),
        # the only won stage stays active
        ("is_active", lambda: services.stage_deactivate(actor=admin, stage=stages["won"])),
        ("order", lambda: services.stage_reorder(actor=admin, stage_ids=[stages["won"].pk])),
        # used by a deal (and its history)
        ("stage", lambda: services.stage_delete(actor=admin, stage=stages["first_contact"])),
    ):
        _refused(db_state, field, call)


def test_an_unused_stage_is_deleted(org, stages):
    spare = StageFactory()
    services.stage_delete(actor=org["admin"], stage=spare)
    assert not Stage.objects.filter(pk=spare.pk).exists()


def test_a_stage_in_a_deals_history_only_is_not_deleted(org, stages, deal, db_state):
    spare = StageFactory()
    services.opportunity_move(actor=org["r1"], opportunity=deal, stage=spare)
    services.opportunity_move(actor=org["r1"], opportunity=deal, stage=stages["proposal"])
    _refused(db_state, "stage", lambda: services.stage_delete(actor=org["admin"], stage=spare))


def test_loss_reasons_create_reorder_deactivate_delete(org, reasons, stages, deal, db_state):
    admin = org["admin"]
    reason = services.loss_reason_create(actor=admin, data={"name_zh_hans": "交期太长"})
    services.loss_reason_update(actor=admin, reason=reason, data={"name_en": "Lead time"})
    order = [reason.pk, *LossReason.objects.exclude(pk=reason.pk).values_list("pk", flat=True)]
    services.loss_reason_reorder(actor=admin, reason_ids=order)
    assert list(LossReason.objects.values_list("pk", flat=True)) == order
    services.opportunity_move(
        actor=org["r1"], opportunity=deal, stage=stages["lost"], loss_reason=reason
    )
    _refused(
        db_state, "loss_reason", lambda: services.loss_reason_delete(actor=admin, reason=reason)
    )
    services.loss_reason_deactivate(actor=admin, reason=reason)
    reason.refresh_from_db()
    assert reason.is_active is False
    services.loss_reason_delete(actor=admin, reason=reasons["other"])
    assert not LossReason.objects.filter(pk=reasons["other"].pk).exists()


def test_the_last_active_loss_reason_stays(org, reasons, db_state):
    admin = org["admin"]
    keep = reasons["price"]
    LossReason.objects.exclude(pk=keep.pk).update(is_active=False)
    _refused(
        db_state, "is_active", lambda: services.loss_reason_deactivate(actor=admin, reason=keep)
    )
    _refused(db_state, "is_active", lambda: services.loss_reason_delete(actor=admin, reason=keep))


def test_factories_deal_is_visible_to_its_owner(org):
    deal = OpportunityFactory(account=org["accounts"]["r1"])
    assert deal.owner == org["r1"]
