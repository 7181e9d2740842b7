"""The Today page: a rep's day, or a manager's team's day grouped by rep."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.models import Team
from crm.selectors import teams_visible_to
from today.links import attach_links, page_links
from today.selectors import today_board


def _team(request) -> Team | None:
    """The team chosen with `?team=` among those the user sees; a team they cannot see (or
    not a number) answers 404 like any record outside the book."""
    raw = request.GET.get("team", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    team = teams_visible_to(request.user).filter(pk=int(raw)).first()
    if team is None:
        raise Http404
    return team


@login_required
@require_GET
def today(request):
    """Reps see their own day; managers their team's, grouped by rep (one of the teams they
    lead with `?team=`); admins choose a team first (the whole company's reps on one screen
    would be no one's day)."""
    user = request.user
    day = timezone.localdate()
    team = _team(request) if user.can_manage else None
    team_view = user.can_manage
    teams = list(teams_visible_to(user)) if user.can_manage else []
    board = None
    if not user.is_admin or team is not None:
        board = today_board(user, day=day, team_view=team_view, team=team)
        attach_links(board)  # each row's URLs from one reverse() per pattern, not per row
    return render(
        request,
        "today/today.html",
        {
            "board": board,
            "day": day,
            "yesterday": day - datetime.timedelta(days=1),
            "tomorrow": day + datetime.timedelta(days=1),
            "team": team,
            "teams": teams,
            "team_view": team_view,
            "links": page_links(),
        },
    )
