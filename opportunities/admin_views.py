"""The admins' pages of the deals' reference lists (stages, loss reasons) and settings, and the
page on which a rep sets a prospect's colour against the colour rule. Thin: the writes are
opportunities.services'."""

from collections.abc import Callable, Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.http import or_404, run_service, safe_next_url
from core.views import admin_object_delete, admin_object_edit, app_settings_edit
from opportunities import services
from opportunities.admin_forms import (
    LossReasonForm,
    MoveForm,
    OpportunitySettingsForm,
    ProspectColourForm,
    StageForm,
)
from opportunities.colour import colour_of_account
from opportunities.models import LossReason, OpportunitySettings, Stage
from prospects.models import COLOUR_SHORT
from prospects.selectors import prospects_visible_to


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


def _moved(ids: Sequence[int], pk: int, direction: str) -> list[int]:
    """`ids` with `pk` one place up or down (unchanged at either end)."""
    order = list(ids)
    index = order.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    return order


def _move(request, *, pk: int, model, reorder: Callable[..., None], key: str, back: str):
    row = or_404(model.objects.filter(pk=pk).first())
    if request.method != "POST":
        return render(request, "playbook/move.html", {"object": row, "cancel_url": reverse(back)})
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Direction: choose up or down."))
        return redirect(back)
    ids = list(model.objects.order_by("position", "id").values_list("pk", flat=True))
    try:
        reorder(actor=request.user, **{key: _moved(ids, row.pk, form.cleaned_data["direction"])})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


# --- stages ------------------------------------------------------------------------------------


@login_required
def stage_list(request):
    _admin_only(request)
    return render(
        request,
        "opportunities/admin/stages.html",
        {"stages": Stage.objects.order_by("position", "id")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, pk: int | None = None):
    _admin_only(request)
    return admin_object_edit(
        request,
        form_class=StageForm,
        instance=or_404(Stage.objects.filter(pk=pk).first()) if pk else None,
        create=services.stage_create,
        update=lambda actor, obj, data: services.stage_update(actor=actor, stage=obj, data=data),
        title=_("Stage"),
        back="opportunities:stages",
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_delete(request, pk: int):
    _admin_only(request)
    return admin_object_delete(
        request,
        obj={"stage": or_404(Stage.objects.filter(pk=pk).first())},
        delete=services.stage_delete,
        back="opportunities:stages",
        warning=_("A stage that deals use, or used, cannot be deleted: deactivate it instead."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_move(request, pk: int):
    _admin_only(request)
    return _move(
        request,
        pk=pk,
        model=Stage,
        reorder=services.stage_reorder,
        key="stage_ids",
        back="opportunities:stages",
    )


# --- loss reasons ------------------------------------------------------------------------------


@login_required
def loss_reason_list(request):
    _admin_only(request)
    return render(
        request,
        "opportunities/admin/loss_reasons.html",
        {"reasons": LossReason.objects.order_by("position", "id")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def loss_reason_edit(request, pk: int | None = None):
    _admin_only(request)
    return admin_object_edit(
        request,
        form_class=LossReasonForm,
        instance=or_404(LossReason.objects.filter(pk=pk).first()) if pk else None,
        create=services.loss_reason_create,
        update=lambda actor, obj, data: services.loss_reason_update(
            actor=actor, reason=obj, data=data
        ),
        title=_("Loss reason"),
        back="opportunities:loss_reasons",
    )


@login_required
@require_http_methods(["GET", "POST"])
def loss_reason_delete(request, pk: int):
    _admin_only(request)
    return admin_object_delete(
        request,
        obj={"reason": or_404(LossReason.objects.filter(pk=pk).first())},
        delete=services.loss_reason_delete,
        back="opportunities:loss_reasons",
        warning=_("A reason deals were lost for cannot be deleted: deactivate it instead."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def loss_reason_move(request, pk: int):
    _admin_only(request)
    return _move(
        request,
        pk=pk,
        model=LossReason,
        reorder=services.loss_reason_reorder,
        key="reason_ids",
        back="opportunities:loss_reasons",
    )


# --- settings and the colour rule --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    return app_settings_edit(
        request,
        settings_model=OpportunitySettings,
        form_class=OpportunitySettingsForm,
        title=_("Opportunity settings"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def prospect_colour(request, pk: int):
    """Set a prospect's colour: the rule's colour, or another one with a reason."""
    prospect = or_404(
        prospects_visible_to(request.user).select_related("account").filter(pk=pk).first()
    )
    if prospect.is_abandoned:
        raise Http404
    rule = colour_of_account(prospect.account_id)
    initial = {"colour": prospect.colour, "colour_override_reason": prospect.colour_override_reason}
    form = ProspectColourForm(request.POST or None, initial=initial)
    back = safe_next_url(request, reverse("prospects:detail", args=[prospect.pk]))
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            services.prospect_colour_set,
            actor=request.user,
            prospect=prospect,
            colour=form.cleaned_data["colour"],
            reason=form.cleaned_data["colour_override_reason"],
            sub_stage=prospect.sub_stage
            if prospect.colour == form.cleaned_data["colour"]
            else None,
        )
        if saved is not None:
            messages.success(request, _("Colour saved."))
            return redirect(back)
    return render(
        request,
        "opportunities/prospect_colour.html",
        {
            "prospect": prospect,
            "account": prospect.account,
            "form": form,
            "rule": rule,
            "rule_label": COLOUR_SHORT[rule],
            "back": back,
        },
    )
