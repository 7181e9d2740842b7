from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.forms import ProfileForm


@login_required
def home(request):
    return redirect("accounts:list")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Profile saved."))
        return redirect("profile")
    return render(request, "crm/profile.html", {"form": form})


@login_required
def settings_hub(request):
    """Links to every settings page an admin (or manager) may open."""
    return render(request, "crm/settings_hub.html")
