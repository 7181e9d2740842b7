from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        # Deals and targets as kinds of import (imports never imports this app).
        from opportunities.imports import register

        register()
