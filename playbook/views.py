"""HTML pages of the playbook: the admins' talk tracks and outline (everyone else 404, as the
other settings pages), and the rep's answers to the outline (the account must be in their
book: outside it answers 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import account_get_visible
from core.http import or_404, safe_next_url
from core.views import admin_object_delete, admin_object_edit
from playbook import services
from playbook.forms import IntelligenceQuestionForm, MoveForm, OutlineAnswersForm, TalkTrackForm
from playbook.models import IntelligenceQuestion, TalkTrack
from playbook.selectors import account_outline, questions_list, talk_tracks_list


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


def _get(model, pk):
    return or_404(model.objects.filter(pk=pk).first())


def _move(request, *, obj, move, back):
    if request.method != "POST":
        # Without a script the arrows of the list post here; a GET shows the two buttons.
        return render(
            request,
            "playbook/move.html",
            {"object": next(iter(obj.values())), "cancel_url": reverse(back)},
        )
    form = MoveForm(request.POST)
    if form.is_valid():
        move(actor=request.user, direction=form.cleaned_data["direction"], **obj)
    else:
        messages.error(request, _("Direction: choose up or down."))
    return redirect(back)


# --- Talk tracks (admins) ----------------------------------------------------------------


@login_required
def talk_track_list(request):
    _admin_only(request)
    return render(request, "playbook/talk_tracks.html", {"tracks": talk_tracks_list()})


@login_required
@require_http_methods(["GET", "POST"])
def talk_track_edit(request, pk: int | None = None):
    _admin_only(request)
    return admin_object_edit(
        request,
        form_class=TalkTrackForm,
        instance=_get(TalkTrack, pk) if pk else None,
        create=services.talk_track_create,
        update=lambda actor, obj, data: services.talk_track_update(
            actor=actor, track=obj, data=data
        ),
        title=_("Talk track"),
        back="playbook:talk_tracks",
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_track_delete(request, pk: int):
    _admin_only(request)
    return admin_object_delete(
        request,
        obj={"track": _get(TalkTrack, pk)},
        delete=services.talk_track_delete,
        back="playbook:talk_tracks",
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_track_move(request, pk: int):
    _admin_only(request)
    return _move(
        request,
        obj={"track": _get(TalkTrack, pk)},
        move=services.talk_track_move,
        back="playbook:talk_tracks",
    )


# --- The intelligence outline (admins) ---------------------------------------------------


@login_required
def question_list(request):
    _admin_only(request)
    return render(request, "playbook/outline.html", {"questions": questions_list()})


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk: int | None = None):
    _admin_only(request)
    return admin_object_edit(
        request,
        form_class=IntelligenceQuestionForm,
        instance=_get(IntelligenceQuestion, pk) if pk else None,
        create=services.intelligence_question_create,
        update=lambda actor, obj, data: services.intelligence_question_update(
            actor=actor, question=obj, data=data
        ),
        title=_("Outline question"),
        back="playbook:outline",
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_delete(request, pk: int):
    _admin_only(request)
    question = _get(IntelligenceQuestion, pk)
    count = question.answers.count()
    warning = (
        ngettext(
            "%(n)s account's answer to it will be deleted too; deactivate it to keep answers.",
            "%(n)s accounts' answers to it will be deleted too; deactivate it to keep answers.",
            count,
        )
        % {"n": count}
        if count
        else ""
    )
    return admin_object_delete(
        request,
        obj={"question": question},
        delete=services.intelligence_question_delete,
        back="playbook:outline",
        warning=warning,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_move(request, pk: int):
    _admin_only(request)
    return _move(
        request,
        obj={"question": _get(IntelligenceQuestion, pk)},
        move=services.intelligence_question_move,
        back="playbook:outline",
    )


# --- Answers (the account's book) --------------------------------------------------------


def _error(request, label, errors) -> None:
    """A message naming the question the error is about."""
    text = " ".join(str(e) for e in errors)
    messages.error(request, f"{label}: {text}" if label else text)


@login_required
@require_POST
def intelligence_save(request, account_pk: int):
    """Save the answers of an account's outline (sent from the plan page or the card)."""
    account = or_404(account_get_visible(request.user, account_pk))
    rows = account_outline(account)
    form = OutlineAnswersForm(request.POST, rows=rows)
    back = safe_next_url(request, account.get_absolute_url())
    if not form.is_valid():
        for name, errors in form.errors.items():
            _error(request, form.fields[name].label if name in form.fields else "", errors)
        return redirect(back)
    try:
        changed = services.intelligence_answers_set(
            actor=request.user, account=account, answers=form.answers()
        )
    except ValidationError as exc:
        found: dict = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for name, errors in found.items():
            _error(request, form.fields[name].label if name in form.fields else "", errors)
    else:
        messages.success(
            request,
            ngettext("%(n)s answer saved.", "%(n)s answers saved.", changed) % {"n": changed},
        )
    return redirect(back)
