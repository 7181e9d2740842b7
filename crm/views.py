from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LogoutView, redirect_to_login
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.http import run_service
from crm.forms import ProfileForm
from crm.services import user_profile_update, user_set_language, user_sign_out_everywhere


@login_required
def home(request):
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
