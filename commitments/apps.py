from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self) -> None:
        from commitments.receivers import CommitmentsDigest, commitment_from_logged_visit
        from visits.digest import digest_source_register
        from visits.signals import visit_logged

        visit_logged.connect(commitment_from_logged_visit, dispatch_uid="commitments.visit")
        digest_source_register(CommitmentsDigest())
