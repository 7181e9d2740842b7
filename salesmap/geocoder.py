"""The optional geocoder: an address in, WGS-84 coordinates out, from the service that
`CRM_GEOCODER_URL` names. Off when the setting is empty: then nothing here ever opens a
connection.

The URL is a template whose "{address}" is replaced by the URL-quoted address, e.g.
Nominatim's `https://nominatim.openstreetmap.org/search?format=json&limit=1&q={address}`.
The answer is JSON: a list whose first item has "lat" and "lon" (Nominatim, Photon's
GeocodeJSON is not read), or one object with "lat"/"lon" or "latitude"/"longitude"."""

import json
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import quote, urlsplit

from django.conf import settings

TIMEOUT_SECONDS = 5
USER_AGENT = "key-account-crm geocoder (+CRM_GEOCODER_URL)"


class GeocoderError(Exception):
    """The geocoder is off, did not answer, or answered with no usable place; `code` says which:
    "off", "unavailable", "not_found"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def geocoder_enabled() -> bool:
    return bool(settings.CRM_GEOCODER_URL)


def _coordinates(answer: object) -> tuple[Decimal, Decimal]:
    place = answer[0] if isinstance(answer, list) and answer else answer
    if not isinstance(place, dict):
        raise GeocoderError("not_found")
    lat = place.get("lat", place.get("latitude"))
    lng = place.get("lon", place.get("lng", place.get("longitude")))
    try:
        return Decimal(str(lat)), Decimal(str(lng))
    except ArithmeticError as exc:
        raise GeocoderError("not_found") from exc


def geocode(address: str) -> tuple[Decimal, Decimal]:
    """(latitude, longitude) of `address`; raises GeocoderError."""
    template = settings.CRM_GEOCODER_URL
    if not template:
        raise GeocoderError("off")
    url = template.replace("{address}", quote(address.strip(), safe=""))
    if urlsplit(url).scheme not in ("http", "https"):
        raise GeocoderError("unavailable")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            answer = json.loads(response.read(1_000_000).decode("utf-8"))
    except (OSError, ValueError) as exc:  # refused, timed out, HTTP error, not JSON
        raise GeocoderError("unavailable") from exc
    return _coordinates(answer)
