from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Contracts and receivables")

    def ready(self) -> None:
        # Payments as a kind of import (imports never imports this app).
        from receivables.imports import register

        register()
