from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from accounts.signals import accounts_reassigned
        from visits.receivers import reminders_follow_reassigned_accounts

        accounts_reassigned.connect(
            reminders_follow_reassigned_accounts, dispatch_uid="visits.reassigned"
        )
