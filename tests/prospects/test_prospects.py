"""Prospects: colour transitions, red turns the account existing, decisions, abandon and
revive, sub-stages, segments and sources; every failing write leaves nothing behind."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from core.models import AuditEntry
from prospects.models import Colour, Prospect
from prospects.selectors import abandoned_account_ids, prospects_visible_to
from prospects.services import (
    prospect_create,
    prospect_decide,
    prospect_move,
    prospect_revive,
    prospect_update,
)
from tests.factories import AccountFactory, ProspectFactory, SubStageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def potential(org):
    return AccountFactory(
        owner=org["r1"],
        name="潜在客户",
        lifecycle=Account.Lifecycle.POTENTIAL,
        source="legacy_list",
    )


def test_create_starts_green_with_the_account_source(potential, make_prospect):
    prospect = make_prospect(potential, competitor_loyalty="low")
    assert (prospect.colour, prospect.decision, prospect.source) == (
        "green",
        "keep_visiting",
        "legacy_list",
    )
    assert prospect.segment == Prospect.Segment.PRIMARY
    assert prospect.is_revived_old_contact is True
    assert prospect.colour_changed_at is not None and prospect.won_at is None
    assert AuditEntry.objects.filter(model="prospects.Prospect", action="create").count() == 1


def test_an_account_is_in_the_pipeline_once(potential, make_prospect, db_state):
    make_prospect(potential)
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        make_prospect(potential)
    assert "account" in exc.value.error_dict
    assert db_state() == before


def test_create_out_of_scope_is_refused(org, db_state):
    before = db_state()
    with pytest.raises(ValidationError):
        prospect_create(actor=org["r1"], account=org["accounts"]["r2"], data={})
    with pytest.raises(ValidationError):
        prospect_create(actor=org["m2"], account=org["accounts"]["r1"], data={})
    assert db_state() == before


def test_green_to_yellow_to_red_turns_the_account_existing_with_the_date(
    org, potential, make_prospect
):
    prospect = make_prospect(potential)
    prospect = prospect_move(actor=org["r1"], prospect=prospect, colour="yellow")
    potential.refresh_from_db()
    assert (prospect.colour, prospect.won_at, potential.lifecycle) == ("yellow", None, "potential")
    before = timezone.now()
    prospect = prospect_move(actor=org["r1"], prospect=prospect, colour="red")
    potential.refresh_from_db()
    assert prospect.colour == "red"
    assert prospect.won_at >= before
    assert potential.lifecycle == "existing"
    assert potential.lifecycle_changed_at >= before
    actions = list(
        AuditEntry.objects.filter(account_id=potential.pk)
        .order_by("id")
        .values_list("model", "action")
    )
    assert actions == [
        ("prospects.Prospect", "create"),
        ("prospects.Prospect", "move"),
        ("accounts.Account", "update"),
        ("prospects.Prospect", "move"),
    ]
    move = AuditEntry.objects.filter(model="prospects.Prospect", action="move").latest("id")
    assert move.changes["colour"] == ["yellow", "red"]


def test_back_from_red_clears_won_but_keeps_the_lifecycle(org, potential, make_prospect):
    prospect = make_prospect(potential, colour="red")
    potential.refresh_from_db()
    assert (prospect.won_at is not None, potential.lifecycle) == (True, "existing")
    prospect = prospect_move(actor=org["r1"], prospect=prospect, colour="green")
    potential.refresh_from_db()
    assert (prospect.colour, prospect.won_at, potential.lifecycle) == ("green", None, "existing")


def test_moving_to_the_same_colour_changes_nothing(org, potential, make_prospect, db_state):
    prospect = make_prospect(potential)
    before = db_state()
    prospect_move(actor=org["r1"], prospect=prospect, colour="green")
    assert db_state() == before


def test_move_failures_change_nothing(org, potential, make_prospect, db_state):
    prospect = make_prospect(potential)
    red_stage = SubStageFactory(colour="red", name="签约")
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        prospect_move(actor=org["r1"], prospect=prospect, colour="blue")
    assert "colour" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        prospect_move(actor=org["r1"], prospect=prospect, colour="yellow", sub_stage=red_stage)
    assert "sub_stage" in exc.value.error_dict
    with pytest.raises(ValidationError):
        prospect_move(actor=org["r3"], prospect=prospect, colour="red")
    with pytest.raises(ValidationError):
        prospect_move(actor=org["m2"], prospect=prospect, colour="red")
    assert db_state() == before
    potential.refresh_from_db()
    assert potential.lifecycle == "potential"


def test_sub_stages_belong_to_their_colour(org, potential, make_prospect):
    quote = SubStageFactory(colour="yellow", name="方案报价", position=1)
    prospect = make_prospect(potential)
    prospect = prospect_move(actor=org["r1"], prospect=prospect, colour="yellow", sub_stage=quote)
    assert (prospect.colour, prospect.sub_stage) == ("yellow", quote)
    prospect = prospect_move(actor=org["r1"], prospect=prospect, colour="green")
    assert prospect.sub_stage is None


def test_abandon_needs_a_reason_and_leaves_the_active_pipeline(
    org, potential, make_prospect, db_state
):
    prospect = make_prospect(potential)
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        prospect_decide(actor=org["r1"], prospect=prospect, decision="abandon", reason="  ")
    assert list(exc.value.error_dict) == ["decision_reason"]
    with pytest.raises(ValidationError):
        prospect_decide(actor=org["r1"], prospect=prospect, decision="maybe", reason="x")
    assert db_state() == before
    prospect = prospect_decide(
        actor=org["r1"], prospect=prospect, decision="abandon", reason="预算取消"
    )
    assert (prospect.decision, prospect.decision_reason, prospect.decided_by) == (
        "abandon",
        "预算取消",
        org["r1"],
    )
    assert list(abandoned_account_ids()) == [potential.pk]
    assert not Prospect.objects.active().filter(pk=prospect.pk).exists()
    # Still found: it is only out of the active pipeline.
    assert prospects_visible_to(org["r1"]).filter(pk=prospect.pk).exists()


def test_an_abandoned_prospect_does_not_move_until_revived(org, potential, make_prospect, db_state):
    prospect = make_prospect(potential)
    prospect = prospect_decide(
        actor=org["r1"], prospect=prospect, decision="abandon", reason="选了对手"
    )
    before = db_state()
    with pytest.raises(ValidationError):
        prospect_move(actor=org["r1"], prospect=prospect, colour="yellow")
    with pytest.raises(ValidationError):
        prospect_revive(actor=org["r1"], prospect=prospect, decision="abandon")
    assert db_state() == before
    prospect = prospect_revive(
        actor=org["r1"], prospect=prospect, decision="dont_give_up", reason="新预算"
    )
    assert (prospect.decision, prospect.decision_reason) == ("dont_give_up", "新预算")
    assert list(abandoned_account_ids()) == []
    assert AuditEntry.objects.filter(model="prospects.Prospect", action="revive").count() == 1
    assert prospect_move(actor=org["r1"], prospect=prospect, colour="yellow").colour == "yellow"
    with pytest.raises(ValidationError):
        prospect_revive(actor=org["r1"], prospect=prospect)


def test_update_segment_source_and_notes(org, potential, make_prospect, db_state):
    prospect = make_prospect(potential)
    prospect = prospect_update(
        actor=org["r1"],
        prospect=prospect,
        data={"competitor_loyalty": "high", "source": "referral"},
    )
    assert (prospect.segment, prospect.is_revived_old_contact) == ("secondary", False)
    before = db_state()
    with pytest.raises(ValidationError):
        prospect_update(actor=org["r1"], prospect=prospect, data={"colour": "red"})
    with pytest.raises(ValidationError):
        prospect_update(actor=org["r1"], prospect=prospect, data={"competitor_loyalty": "medium"})
    with pytest.raises(ValidationError):
        prospect_update(
            actor=org["r1"],
            prospect=prospect,
            data={"sub_stage": SubStageFactory(colour="red", name="x")},
        )
    assert Prospect.objects.get(pk=prospect.pk).competitor_loyalty == "high"
    assert db_state()["prospects"] == before["prospects"]


def test_the_database_keeps_abandon_with_a_reason_and_won_only_red(org, potential):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProspectFactory(account=potential, decision="abandon", decision_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProspectFactory(account=potential, colour="green", won_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ProspectFactory(account=potential, colour="purple")
    assert Prospect.objects.count() == 0
    assert Colour.values == ["green", "yellow", "red"]
