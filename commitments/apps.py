from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self) -> None:
        from accounts.buying_centre import contact_source_register
        from commitments.buying_centre import contacts_last_served
        from commitments.receivers import CommitmentsDigest, commitment_from_logged_visit
        from visits.digest import digest_source_register
        from visits.signals import visit_logged

        visit_logged.connect(commitment_from_logged_visit, dispatch_uid="commitments.visit")
        digest_source_register(CommitmentsDigest())
        contact_source_register("commitments.done", contacts_last_served)
