from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms import AdminPasswordChangeForm
from crm.models import Team, Territory, User
from crm.services import user_deactivate


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active", "is_superuser")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("CRM"), {"fields": ("role", "team", "territory", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("CRM"), {"fields": ("role", "team", "territory")}),
    )
    actions = ["unlock_sign_in"]
    change_password_form = AdminPasswordChangeForm

    def save_model(self, request, obj, form, change):
        """Unticking "active" deactivates through the service (sessions and API tokens end);
        the form's other changes are saved as usual."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if deactivating:
            try:
                user_deactivate(actor=request.user, user=obj)
            except ValidationError as exc:  # themselves, or the last active admin
                obj.is_active = True
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    @admin.action(description=_("Unlock sign-in (clear failed attempts)"))
    def unlock_sign_in(self, request, queryset):
        cleared = sum(axes_reset(username=user.username) for user in queryset)
        self.message_user(
            request,
            _("Sign-in unlocked for %(users)s user(s); %(n)s failed attempt record(s) cleared.")
            % {"users": queryset.count(), "n": cleared},
            messages.SUCCESS,
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager", "territory")
    search_fields = ("name",)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
