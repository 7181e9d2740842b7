"""The database refuses what the opportunity models forbid, whatever path writes the row."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from opportunities.defaults import LOSS_REASONS, STAGES
from opportunities.models import LossReason, Opportunity, Stage, Target
from tests.factories import (
    LossReasonFactory,
    OpportunityFactory,
    StageFactory,
    TargetFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_default_stages_and_loss_reasons_are_seeded_in_order():
    built_in = Stage.objects.exclude(code="")
    assert [s.code for s in built_in] == [row[0] for row in STAGES]
    assert [s.probability for s in built_in] == [row[3] for row in STAGES]
    assert built_in.get(code="won").status == Opportunity.Status.WON
    assert built_in.get(code="lost").status == Opportunity.Status.LOST
    assert LossReason.objects.exclude(code="").count() == len(LOSS_REASONS)


def test_a_stage_is_won_or_lost_never_both_and_probability_is_a_percentage():
    _refused(lambda: StageFactory(is_won=True, is_lost=True))
    _refused(lambda: StageFactory(probability=101))
    _refused(lambda: StageFactory(name_en="", name_zh_hans=""))


def test_an_opportunity_amount_is_never_negative():
    _refused(lambda: OpportunityFactory(amount=Decimal("-0.01")))
    assert OpportunityFactory(amount=Decimal("0")).amount == 0


def test_a_closed_opportunity_has_a_date_and_only_a_lost_one_a_reason():
    _refused(lambda: OpportunityFactory(status=Opportunity.Status.WON))
    _refused(lambda: OpportunityFactory(closed_on=datetime.date(2026, 1, 5)))
    reason = LossReasonFactory()
    _refused(lambda: OpportunityFactory(loss_reason=reason))
    lost = OpportunityFactory(
        status=Opportunity.Status.LOST, closed_on=datetime.date(2026, 1, 5), loss_reason=reason
    )
    assert lost.loss_reason == reason


def test_the_win_probability_is_the_deal_s_own_else_its_stage_s():
    stage = StageFactory(probability=40)
    assert OpportunityFactory(stage=stage).win_probability == 40
    assert OpportunityFactory(stage=stage, probability=70).win_probability == 70


def test_a_target_is_for_a_rep_or_a_team_and_starts_its_period():
    team = TeamFactory()
    _refused(lambda: TargetFactory(team=team))  # both
    _refused(lambda: TargetFactory(user=None))  # neither
    _refused(lambda: TargetFactory(period_start=datetime.date(2026, 12, 2)))
    _refused(
        lambda: TargetFactory(period=Target.Period.QUARTER, period_start=datetime.date(2026, 2, 1))
    )
    _refused(lambda: TargetFactory(value=Decimal("-1")))
    first = TargetFactory(period_start=datetime.date(2026, 10, 1), period=Target.Period.QUARTER)
    _refused(
        lambda: TargetFactory(user=first.user, period=first.period, period_start=first.period_start)
    )
    assert TargetFactory(user=None, team=team).team == team
