"""`python manage.py tier_summary [--json]`: the figures of the latest finished recompute."""

import json

from django.core.management.base import BaseCommand, CommandError

from scoring.figures import TIERS
from scoring.models import TierRun


def summary_of(run: TierRun) -> dict:
    """Accounts and revenue share per tier, total revenue, customers, and how many top
    customers reach 80% of revenue. Money and shares are decimal strings (exact)."""
    stored = run.summary
    return {
        "run": run.pk,
        # A finished run always has its date.
        "as_of": run.as_of.isoformat() if run.as_of is not None else None,
        "method": run.method,
        "window_days": run.window_days,
        "cutoffs": {"a": str(run.a_cutoff), "b": str(run.b_cutoff)},
        "tiers": {
            tier: {
                "accounts": stored["tiers"][tier]["accounts"],
                "revenue": stored["tiers"][tier]["revenue"],
                "revenue_share": stored["tiers"][tier]["revenue_share"],
            }
            for tier in TIERS
        },
        "total_revenue": stored["total_revenue"],
        "customers": run.customers,
        "customers_to_80": run.customers_to_80,
        "customers_to_80_share": stored["curve"]["customers_to_80_share"],
        "top20_share": str(run.top20_share),
    }


class Command(BaseCommand):
    help = "Print the latest tier run: accounts and revenue share per tier, totals, 80% reach."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **opts):
        run = TierRun.objects.latest_succeeded()
        if run is None:
            raise CommandError("No tier recompute has finished yet; run recompute_tiers first.")
        data = summary_of(run)
        if opts["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        window = f"{data['window_days']} days" if data["window_days"] else "all time"
        self.stdout.write(f"Run {data['run']} as of {data['as_of']} ({data['method']}, {window})")
        self.stdout.write(f"{'tier':<6}{'accounts':>10}{'revenue':>20}{'share':>10}")
        for tier, row in data["tiers"].items():
            share = float(row["revenue_share"]) * 100
            self.stdout.write(f"{tier:<6}{row['accounts']:>10}{row['revenue']:>20}{share:>9.1f}%")
        to_80 = float(data["customers_to_80_share"]) * 100
        self.stdout.write(
            f"Total revenue {data['total_revenue']} from {data['customers']} customers; "
            f"the top {data['customers_to_80']} ({to_80:.1f}%) bring 80%."
        )
