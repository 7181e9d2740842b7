from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybookConfig(AppConfig):
    name = "playbook"
    verbose_name = _("Talk tracks and intelligence outline")
