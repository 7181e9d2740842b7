"""seed_demo's deals and targets: the shapes the pages and the forecast rely on."""

import io
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from opportunities.models import Opportunity, OpportunityChange, Target

pytestmark = pytest.mark.django_db


def test_seed_demo_writes_deals_with_consistent_history_and_targets():
    out = io.StringIO()
    call_command("seed_demo", "--accounts", "400", "--seed", "3", stdout=out)
    assert "Opportunities demo:" in out.getvalue()
    deals = Opportunity.objects.select_related("stage")
    statuses = dict(deals.values_list("status").annotate(n=Count("id")).order_by())
    assert set(statuses) == {"open", "won", "lost"}
    assert statuses["open"] > statuses["won"] > 0
    for deal in deals:
        assert deal.status == deal.stage.status
        assert (deal.closed_on is None) == (deal.status == "open")
        history = list(deal.changes.order_by("changed_at", "id"))
        assert history[0].kind == OpportunityChange.Kind.CREATED
        assert history[0].changed_at == deal.created_at
        last = history[-1]
        # The last change leaves the deal as it is now; each change starts where the last ended.
        assert (last.stage_after_id, last.status_after, last.amount_after) == (
            deal.stage_id,
            deal.status,
            deal.amount,
        )
        assert last.close_date_after == deal.close_date
        for before, after in itertools.pairwise(history):
            assert after.stage_before_id == before.stage_after_id
            assert after.close_date_before == before.close_date_after
    # A team's target is the sum of its reps'.
    team_target = Target.objects.filter(team__isnull=False, measure="revenue", period="month")
    for target in team_target:
        reps = Target.objects.filter(
            user__team=target.team, measure="revenue", period="month"
        ).aggregate(total=Sum("value"))["total"]
        assert target.value == reps
