"""Writes of the sales map. The location itself is written by accounts.services."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Account
from accounts.selectors import account_check_visible
from accounts.services import account_location_set
from crm.models import User
from salesmap.geocoder import GeocoderError, geocode

GEOCODER_MESSAGES = {
    "off": gettext_lazy("No geocoder is configured."),
    "unavailable": gettext_lazy("The geocoder did not answer; try again later or drag the pin."),
    "not_found": gettext_lazy(
        "The geocoder found no place for this address; drag the pin instead."
    ),
}


def account_geocode(*, actor: User, account: Account) -> bool:
    """Put the account on the map at its address, as the configured geocoder finds it (source
    "geocoder"). Not atomic itself on purpose: the HTTP call is made before any transaction
    is opened (no lock held while waiting on a remote service); the write is
    account_location_set's, which is."""
    account_check_visible(actor, account)
    address = account.address.strip()
    if not address:
        raise ValidationError({"address": _("The account has no address to look up.")})
    try:
        latitude, longitude = geocode(address)
    except GeocoderError as exc:
        raise ValidationError(str(GEOCODER_MESSAGES[exc.code])) from exc
    return account_location_set(
        actor=actor,
        account=account,
        latitude=latitude,
        longitude=longitude,
        source=Account.LocationSource.GEOCODER,
    )
