"""The audit pages: the full trail for admins (others get 404)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from accounts.audit_selectors import audit_entry_list, audit_models
from core.audit_display import ACTIONS, audit_rows
from core.paginator import CappedPaginator

PAGE_SIZE = 50


@login_required
def audit_list(request):
    if not request.user.is_admin:
        raise Http404
    entries = audit_entry_list(request.user, filters=request.GET)
    # A filter value that does not parse (an account no one sees) shows its error and no rows.
    rows = entries.qs if entries.is_valid() else entries.qs.none()
    paginator = CappedPaginator(rows.order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = entries.picked_query(request.GET)
    query.pop("page", None)
    return render(
        request,
        "crm/audit_list.html",
        {
            "filter": entries,
            "filter_errors": [
                f"{entries.form.fields[name].label}: {error}"
                for name, errors in entries.errors.items()
                for error in errors
            ],
            "page": page,
            "rows": audit_rows(page.object_list),
            "paginator": paginator,
            "query": query.urlencode(),
            "models": audit_models(),
            "actions": list(ACTIONS),
        },
    )
