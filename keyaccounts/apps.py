from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "keyaccounts"
    verbose_name = _("Key-account plans")
