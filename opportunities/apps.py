from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        # Deals and targets as kinds of import (imports never imports this app).
        from opportunities.imports import register

        register()
        # Accounts with an open deal, for the buying centre's warnings (a hook accounts calls:
        # the lower app never imports this one).
        from accounts.buying_centre import open_deal_source_register
        from opportunities.buying_centre import accounts_with_open_deal

        open_deal_source_register("opportunities.open", accounts_with_open_deal)
        # Competitors named by deals are not deleted from the admins' list.
        from accounts.services import competitor_use_register
        from opportunities.services import competitor_on_deals

        competitor_use_register(competitor_on_deals)
