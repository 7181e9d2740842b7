"""The robots settings page (/robots/): a user's own robots and, for a manager or an admin,
their teams' robots; add, edit, delete (with confirmation) and send a test message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.http import or_404, run_service
from robots import services
from robots.forms import RobotForm
from robots.models import RobotWebhook
from robots.platforms import mask_secret, mask_url
from robots.selectors import robot_get_visible, robot_recent_messages, robots_visible_to


def _decorate(robot: RobotWebhook) -> RobotWebhook:
    robot.masked_url = mask_url(robot.url)  # type: ignore[attr-defined]
    robot.masked_secret = mask_secret(robot.secret)  # type: ignore[attr-defined]
    return robot


@login_required
@require_http_methods(["GET"])
def robot_list(request):
    robots = [_decorate(r) for r in robots_visible_to(request.user)]
    return render(request, "robots/robot_list.html", {"robots": robots})


@login_required
@require_http_methods(["GET", "POST"])
def robot_create(request):
    form = RobotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["owner"] != "me" and form.team() is None:
            form.add_error("owner", _("Choose yourself or a team you manage."))
        else:
            robot = run_service(
                form,
                services.robot_create,
                actor=request.user,
                platform=data["platform"],
                name=data["name"],
                url=data["url"],
                secret=data["secret"],
                team=form.team(),
                active=data["active"],
            )
            if robot is not None:
                messages.success(request, _("Robot added. Send a test message to check it."))
                return redirect("robots:edit", robot.pk)
    return render(request, "robots/robot_form.html", {"form": form, "robot": None})


@login_required
@require_http_methods(["GET", "POST"])
def robot_edit(request, pk: int):
    robot = _decorate(or_404(robot_get_visible(request.user, pk)))
    form = RobotForm(
        request.POST or None,
        user=request.user,
        robot=robot,
        initial={"name": robot.name, "active": robot.active},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            form,
            services.robot_update,
            actor=request.user,
            robot=robot,
            name=data["name"],
            url=data["url"],
            secret=data["secret"],
            clear_secret=data["clear_secret"],
            active=data["active"],
        )
        if saved is not None:
            messages.success(request, _("Robot saved."))
            return redirect("robots:list")
    context = {"form": form, "robot": robot, "recent": robot_recent_messages(robot)}
    return render(request, "robots/robot_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def robot_delete(request, pk: int):
    robot = or_404(robot_get_visible(request.user, pk))
    if request.method == "POST":
        services.robot_delete(actor=request.user, robot=robot)
        messages.success(request, _("Robot deleted."))
        return redirect("robots:list")
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": robot, "cancel_url": reverse("robots:edit", args=[robot.pk])},
    )


@login_required
@require_POST
def robot_test(request, pk: int):
    robot = _decorate(or_404(robot_get_visible(request.user, pk)))
    try:
        answer = services.robot_test_send(actor=request.user, robot=robot)
    except ValidationError as exc:
        messages.error(
            request,
            _("The test message failed: %(error)s") % {"error": "; ".join(exc.messages)},
        )
    else:
        messages.success(
            request,
            _("The test message went out. The platform answered: %(answer)s") % {"answer": answer},
        )
    return redirect("robots:edit", robot.pk)
