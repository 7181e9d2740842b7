from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesmapConfig(AppConfig):
    name = "salesmap"
    verbose_name = _("Sales map")
