from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from accounts import audit_views
from crm import views
from crm.api.token import obtain_auth_token
from crm.forms import PasswordChangeForm

api_v1: list[URLPattern | URLResolver] = [
    path("", include("crm.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("imports.api.urls")),
    path("", include("prospects.api.urls")),
    path("", include("visits.api.urls")),
    path("", include("commitments.api.urls")),
    path("", include("opportunities.api.urls")),
    path("", include("opportunities.api.forecast_urls")),
    path("", include("receivables.api.urls")),
    path("", include("playbook.api.urls")),
    path("", include("robots.api.urls")),
    path("", include("keyaccounts.api.urls")),
    # The tier-drop forecast (health/) under the scoring API, as the issue names it.
    path("scoring/forecast/", include("health.api.urls")),
    path("scoring/", include("scoring.api.urls")),
    path("dashboard/", include("scoring.dashboard.api.urls")),
    path("map/", include("salesmap.api.urls")),
    path("auth/token/", obtain_auth_token, name="api-token"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("users/", include("crm.urls")),
    path("me/", views.profile, name="profile"),
    path("me/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("settings/", views.settings_hub, name="settings"),
    path("audit/", audit_views.audit_list, name="audit"),
    path("today/", include("today.urls")),
    path("accounts/", include("accounts.urls")),
    path("imports/", include("imports.urls")),
    path("prospects/", include("prospects.urls")),
    path("visits/", include("visits.urls")),
    path("commitments/", include("commitments.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("forecast/", include("opportunities.forecast_urls")),
    path("targets/", include("opportunities.target_urls")),
    path("competitors/", include("opportunities.competitor_urls")),
    path("receivables/", include("receivables.urls")),
    path("playbook/", include("playbook.urls")),
    path("scoring/", include("scoring.urls")),
    path("health/", include("health.urls")),
    path("dashboard/", include("scoring.dashboard.urls")),
    path("map/", include("salesmap.urls")),
    path("robots/", include("robots.urls")),
    path("calendar/", include("calendars.urls")),
    path("key-accounts/", include("keyaccounts.urls")),
    path("language/", views.language_switch, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The outbox and the audit trail moved from the crm app to core, and their admin pages with
    # them: links and bookmarks to the old addresses still arrive.
    re_path(
        r"^admin/crm/(?P<model>pendingtask|auditentry)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/core/%(model)s/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.api_docs, name="api-docs"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
