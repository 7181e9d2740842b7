from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from imports.signals import orders_import_undone, orders_imported
        from scoring.receivers import recompute_tiers_after_orders_import

        for signal in (orders_imported, orders_import_undone):
            signal.connect(recompute_tiers_after_orders_import, dispatch_uid="scoring.tiers")
