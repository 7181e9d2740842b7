"""From a request's query string to a `DashboardQuery` (shared by the page, the API, the
exports): a population outside the user's book answers 404, a bad period 400."""

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from django.utils import timezone

from crm.models import User
from scoring.dashboard.forms import DashboardForm
from scoring.dashboard.query import DashboardQuery


def dashboard_query(
    user: User, params: Mapping[str, Any]
) -> tuple[DashboardForm, DashboardQuery | None]:
    """The bound form and the query; the query is None when the period is invalid (the
    form's errors name the field). Raises Http404 for a team or owner the user may not pick."""
    today = timezone.localdate()
    form = DashboardForm(params, user=user, today=today)
    if not form.is_valid():
        if form.population_refused():
            raise Http404
        return form, None
    return form, DashboardQuery(user=user, period=form.period(), today=today, **form.filters())
