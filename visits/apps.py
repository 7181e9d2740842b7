from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from accounts.buying_centre import contact_source_register
        from accounts.signals import accounts_reassigned
        from visits.buying_centre import contacts_last_touched, contacts_last_visited
        from visits.receivers import reminders_follow_reassigned_accounts

        accounts_reassigned.connect(
            reminders_follow_reassigned_accounts, dispatch_uid="visits.reassigned"
        )
        contact_source_register("visits.visit", contacts_last_visited)
        contact_source_register("visits.touch", contacts_last_touched)
