from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from accounts.buying_centre import open_deal_source_register
        from opportunities.buying_centre import accounts_with_open_deal

        open_deal_source_register("opportunities.open", accounts_with_open_deal)
