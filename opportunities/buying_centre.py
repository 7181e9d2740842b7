"""What opportunities tell the buying centre (accounts.buying_centre, registered in
OpportunitiesConfig.ready): which accounts have an open deal."""

from typing import Any

from opportunities.models import Opportunity


def accounts_with_open_deal(account_ids: Any) -> set[int]:
    """The ids among `account_ids` (ids or a queryset of ids) with at least one open deal."""
    return set(
        Opportunity.objects.open()
        .filter(account_id__in=account_ids)
        .values_list("account_id", flat=True)
        .distinct()
        .order_by()
    )
