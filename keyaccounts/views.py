"""HTML pages of key-account plans. Thin: selectors read, services write; a plan whose account
the user does not see answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import account_get_visible, accounts_visible_to
from core.http import or_404, run_service
from keyaccounts import forms, services
from keyaccounts.selectors import (
    plan_actions,
    plan_get_visible,
    plan_goals,
    plan_review_get,
    plan_reviews,
    plans_visible_to,
    whitespace_matrix,
)


@login_required
def plan_list(request):
    plans = (
        plans_visible_to(request.user)
        .select_related("account")
        .order_by("-year", "account__name", "id")[:500]
    )
    return render(request, "keyaccounts/plan_list.html", {"plans": plans})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request, account_pk: int):
    account = or_404(account_get_visible(request.user, account_pk))
    form = forms.PlanCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        year = data.pop("year")
        plan = run_service(
            form, services.plan_create, actor=request.user, account=account, year=year, data=data
        )
        if plan is not None:
            return redirect("keyaccounts:detail", plan.pk)
    return render(request, "keyaccounts/plan_create.html", {"form": form, "account": account})


def _page(request, plan, **forms_given):
    context = {
        "plan": plan,
        "account": plan.account,
        "matrix": whitespace_matrix(plan),
        "goals": plan_goals(plan),
        "actions": list(plan_actions(plan)),
        "reviews": list(plan_reviews(plan)[:8]),
        "row_form": forms.RowForm(plan=plan, accounts=accounts_visible_to(request.user)),
        "product_form": forms.ProductForm(),
        "goal_form": forms.GoalForm(plan=plan),
        "action_form": forms.ActionForm(actor=request.user),
        "review_form": forms.ReviewForm(),
    }
    context.update(forms_given)
    return render(request, "keyaccounts/plan_detail.html", context)


@login_required
def plan_detail(request, pk: int):
    return _page(request, or_404(plan_get_visible(request.user, pk)))


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    form = forms.PlanEditForm(request.POST or None, initial=forms.PlanEditForm.initial_of(plan))
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(
            form, services.plan_update, actor=request.user, plan=plan, data=form.cleaned_data
        )
    ):
        return redirect("keyaccounts:detail", plan.pk)
    return render(request, "keyaccounts/plan_edit.html", {"form": form, "plan": plan})


def _post(request, pk: int, form_name: str, form, call):
    """One of the plan page's small forms: valid and accepted, back to the page; else the page
    again with the form's errors."""
    plan = or_404(plan_get_visible(request.user, pk))
    bound = form(plan)
    if bound.is_valid() and run_service(bound, call, plan, bound.cleaned_data) is not None:
        messages.success(request, _("Saved."))
        return redirect("keyaccounts:detail", plan.pk)
    return _page(request, plan, **{form_name: bound})


@login_required
@require_POST
def row_add(request, pk: int):
    return _post(
        request,
        pk,
        "row_form",
        lambda plan: forms.RowForm(
            request.POST, plan=plan, accounts=accounts_visible_to(request.user)
        ),
        lambda plan, d: services.whitespace_row_add(actor=request.user, plan=plan, **d),
    )


@login_required
@require_POST
def product_add(request, pk: int):
    return _post(
        request,
        pk,
        "product_form",
        lambda plan: forms.ProductForm(request.POST),
        lambda plan, d: services.whitespace_product_add(actor=request.user, plan=plan, **d),
    )


@login_required
@require_POST
def mark_set(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    form = forms.MarkForm(request.POST, plan=plan)
    if form.is_valid():
        services.whitespace_mark_set(actor=request.user, **form.cleaned_data)
    return redirect("keyaccounts:detail", plan.pk)


@login_required
@require_POST
def goal_set(request, pk: int):
    return _post(
        request,
        pk,
        "goal_form",
        lambda plan: forms.GoalForm(request.POST, plan=plan),
        lambda plan, d: services.relationship_goal_set(actor=request.user, plan=plan, **d),
    )


@login_required
@require_POST
def action_add(request, pk: int):
    return _post(
        request,
        pk,
        "action_form",
        lambda plan: forms.ActionForm(request.POST, actor=request.user),
        lambda plan, d: services.plan_action_create(actor=request.user, plan=plan, **d),
    )


@login_required
@require_POST
def review(request, pk: int):
    return _post(
        request,
        pk,
        "review_form",
        lambda plan: forms.ReviewForm(request.POST),
        lambda plan, d: services.plan_review(actor=request.user, plan=plan, **d),
    )


@login_required
def history(request, pk: int):
    plan = or_404(plan_get_visible(request.user, pk))
    return render(
        request, "keyaccounts/history.html", {"plan": plan, "reviews": plan_reviews(plan)}
    )


@login_required
def history_version(request, pk: int, version: int):
    plan = or_404(plan_get_visible(request.user, pk))
    found = or_404(plan_review_get(plan, version))
    return render(
        request, "keyaccounts/version.html", {"plan": plan, "review": found, "s": found.snapshot}
    )
