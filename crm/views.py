from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.http import or_404, run_service
from core.paginator import CappedPaginator
from crm.forms import ProfileForm, SetPasswordForm, UserCreateForm, UserEditForm, UserFilterForm
from crm.models import User
from crm.security import password_reset_allowed
from crm.selectors import user_admin_list, user_get_managed
from crm.services import (
    user_create,
    user_deactivate,
    user_invite_send,
    user_profile_update,
    user_reactivate,
    user_set_language,
    user_sign_out_everywhere,
    user_update,
)


@login_required
def home(request):
    """Where signing in lands (LOGIN_REDIRECT_URL): reps and managers on their day, admins
    (who set up and oversee, and choose a team before a Today means anything) on the
    accounts."""
    user = request.user
    if not user.is_admin and user.role in (User.Role.REP, User.Role.MANAGER):
        return redirect("today:today")
    return redirect("accounts:list")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = run_service(form, user_profile_update, actor=request.user, data=form.cleaned_data)
        if user is not None:
            if user.language:
                translation.activate(user.language)
            messages.success(request, _("Profile saved."))
            return redirect("profile")
    return render(request, "crm/profile.html", {"form": form})


@login_required
@require_http_methods(["POST"])
def sign_out_everywhere(request):
    """End the user's other sessions and delete their API tokens; this session goes on."""
    user_sign_out_everywhere(user=request.user)
    update_session_auth_hash(request, request.user)
    messages.success(
        request,
        _(
            "Signed out everywhere else: your other sessions have ended and your API tokens no "
            "longer work."
        ),
    )
    return redirect("profile")


class SignOutView(LogoutView):
    """Django's sign-out, which then says so on the sign-in page, in the user's language (the
    language cookie keeps it once the session that knew the user is gone)."""

    def post(self, request, *args, **kwargs):
        user = request.user
        language = getattr(user, "language", "") if user.is_authenticated else ""
        response = super().post(request, *args, **kwargs)
        if user.is_authenticated:
            messages.success(request, _("You have signed out."))
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


@require_http_methods(["POST"])
def language_switch(request):
    """Switch the interface language: the cookie for everyone, and the profile of a signed-in
    user (their profile language wins over the cookie, so it must change too)."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(actor=request.user, language=language)
    return response


_swagger_ui = SpectacularSwaggerSplitView.as_view(url_name="schema")


def api_docs(request):
    """The Swagger UI (page and its script). Like the schema it reads, for signed-in users, or
    everyone with `CRM_API_DOCS_PUBLIC`; a visitor is sent to sign in first."""
    if not (settings.CRM_API_DOCS_PUBLIC or request.user.is_authenticated):
        return redirect_to_login(request.get_full_path())
    return _swagger_ui(request)


@login_required
def settings_hub(request):
    """Links to every settings page an admin (or manager) may open."""
    return render(request, "crm/settings_hub.html")


# --- "Forgot password": Django's views, rate-limited, through our password service ----------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail. The answer is the same whether or not the address
    belongs to a user (no enumeration); too many requests for one address answer the same
    too, and send nothing; too many from one IP address are refused (429)."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self):
        return {"hours": settings.CRM_PASSWORD_RESET_LINK_HOURS}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        verdict = password_reset_allowed(
            ip_address=get_client_ip_address(self.request) or "",
            email=form.cleaned_data["email"],
        )
        if verdict == "ip":
            return render(
                self.request,
                "registration/password_reset_limited.html",
                {"minutes": settings.CRM_PASSWORD_RESET_WINDOW_MINUTES},
                status=429,
            )
        if verdict == "email":
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from an e-mailed link (reset or invitation); a used or expired link
    says so. The password goes through `crm.services.user_set_password`."""

    form_class = SetPasswordForm
    success_url = reverse_lazy("password_reset_complete")


# --- Users (admins only; everyone else 404) -------------------------------------------------------

USERS_PAGE_SIZE = 50


def _admin_only(request) -> None:
    if not request.user.is_admin:
        raise Http404


@login_required
def user_list(request):
    _admin_only(request)
    filters = UserFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    users = user_admin_list(
        request.user,
        q=values.get("q", ""),
        role=values.get("role", ""),
        team=values.get("team"),
        active=values.get("active", "yes"),
    )
    paginator = CappedPaginator(users, USERS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/user_list.html",
        {
            "filters": filters,
            "page": page,
            "paginator": paginator,
            "query": query.urlencode(),
        },
    )


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_http_methods(["GET", "POST"])
def user_create_view(request):
    _admin_only(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.Meta.fields}
        invite = form.cleaned_data["how"] == UserCreateForm.INVITE
        password = None if invite else form.cleaned_data["password"]
        if not invite and not password:
            form.add_error("password", _("Give the initial password, or send an invitation."))
        else:
            user = run_service(form, user_create, actor=request.user, data=data, password=password)
            if user is not None:
                if invite:
                    _send_invite(request, user)
                else:
                    messages.success(request, _("User %(user)s created.") % {"user": user})
                return redirect("users:edit", pk=user.pk)
    return render(request, "crm/user_form.html", {"form": form, "creating": True})


def _send_invite(request, user) -> None:
    try:
        user_invite_send(actor=request.user, user=user, base_url=_base_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except OSError as exc:  # the mail server refused or did not answer (smtplib errors)
        messages.error(
            request,
            _("The invitation to %(email)s could not be sent (%(error)s); send it again later.")
            % {"email": user.email, "error": exc},
        )
    else:
        messages.success(
            request,
            _("Invitation sent to %(email)s: the link sets a password once.")
            % {"email": user.email},
        )


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    _admin_only(request)
    user = or_404(user_get_managed(request.user, pk))
    form = UserEditForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        saved = run_service(
            form,
            user_update,
            actor=request.user,
            user=user,
            data={f: form.cleaned_data[f] for f in UserEditForm.Meta.fields},
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            return redirect("users:edit", pk=saved.pk)
        user.refresh_from_db()
    return render(request, "crm/user_form.html", {"form": form, "subject": user})


@login_required
@require_http_methods(["GET", "POST"])
def user_invite(request, pk: int):
    """Confirm, then send the invitation (a new set-password link) again."""
    _admin_only(request)
    user = or_404(user_get_managed(request.user, pk))
    if request.method == "POST":
        _send_invite(request, user)
        return redirect("users:edit", pk=user.pk)
    return render(
        request,
        "crm/user_confirm.html",
        {"subject": user, "action": "invite", "cancel_url": reverse("users:edit", args=[pk])},
    )


def _status_change(request, pk: int, *, deactivate: bool):
    _admin_only(request)
    user = or_404(user_get_managed(request.user, pk))
    back = reverse("users:edit", args=[user.pk])
    if request.method == "POST":
        service = user_deactivate if deactivate else user_reactivate
        try:
            service(actor=request.user, user=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            done = _("%(user)s deactivated.") if deactivate else _("%(user)s reactivated.")
            messages.success(request, done % {"user": user})
        return redirect(back)
    return render(
        request,
        "crm/user_confirm.html",
        {
            "subject": user,
            "action": "deactivate" if deactivate else "reactivate",
            "cancel_url": back,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate_view(request, pk: int):
    """Confirm, then deactivate: sign-in refused, sessions and API tokens ended."""
    return _status_change(request, pk, deactivate=True)


@login_required
@require_http_methods(["GET", "POST"])
def user_reactivate_view(request, pk: int):
    return _status_change(request, pk, deactivate=False)
