"""Check-in (外勤签到): the position a rep's browser (or an API client) gave when they logged a
visit, with their consent, its time, and how far it was from the account's location.

The rules of a check-in live here once; the HTML form, the API and the service all use them."""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts import geo

# A first check-in sets a located-nowhere account's location only when the browser was this
# sure of the position (a desktop's Wi-Fi or IP guess can be kilometres off).
CHECK_IN_LOCATION_MAX_ACCURACY_M = 200
# A radius of confidence above this is not a position at all (and would not fit the column).
CHECK_IN_MAX_ACCURACY_M = 1_000_000
# A phone's clock may run a little ahead of the server's: a check-in time up to this far
# ahead is taken as "now", anything later is refused.
CHECK_IN_CLOCK_SKEW = datetime.timedelta(minutes=2)
# Degrees are kept to six places (about 0.1 m), as the visit's columns hold them.
DEGREES = Decimal("0.000001")


@dataclass(frozen=True)
class CheckIn:
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None  # the browser's radius of confidence, in metres
    at: datetime.datetime | None = None  # when the position was taken (None: when logged)

    @property
    def precise(self) -> bool:
        return self.accuracy_m is not None and self.accuracy_m <= CHECK_IN_LOCATION_MAX_ACCURACY_M


def check_in_problems(
    *,
    latitude: Decimal | None,
    longitude: Decimal | None,
    accuracy_m: Decimal | float | int | None = None,
    at: datetime.datetime | None = None,
    now: datetime.datetime,
) -> dict[str, str]:
    """What is wrong with the parts of a check-in, by part ("latitude", "longitude",
    "accuracy_m", "at"); empty when nothing is. No part at all is no check-in (nothing wrong);
    a latitude without its longitude (or the reverse), or an accuracy or time without the
    position, is half a check-in."""
    problems: dict[str, str] = {}
    if latitude is None and longitude is None:
        if accuracy_m is not None or at is not None:
            problems["latitude"] = _("A check-in needs its latitude and longitude.")
        return problems
    if latitude is None:
        problems["latitude"] = _("Give the latitude with the longitude.")
    elif not latitude.is_finite() or abs(latitude) > 90:
        problems["latitude"] = _("The latitude must be between -90 and 90.")
    if longitude is None:
        problems["longitude"] = _("Give the longitude with the latitude.")
    elif not longitude.is_finite() or abs(longitude) > 180:
        problems["longitude"] = _("The longitude must be between -180 and 180.")
    if accuracy_m is not None and not (
        math.isfinite(accuracy_m) and 0 <= accuracy_m <= CHECK_IN_MAX_ACCURACY_M
    ):
        problems["accuracy_m"] = _("The accuracy must be between 0 and %(max)s metres.") % {
            "max": CHECK_IN_MAX_ACCURACY_M
        }
    if at is not None and at > now + CHECK_IN_CLOCK_SKEW:
        problems["at"] = _("The check-in time cannot be in the future.")
    return problems


def check_in_from(
    *,
    latitude: Decimal,
    longitude: Decimal,
    accuracy_m: Decimal | float | int | None = None,
    at: datetime.datetime | None = None,
) -> CheckIn:
    """A CheckIn from parts that `check_in_problems` found nothing wrong with: degrees to six
    places, the accuracy in whole metres."""
    return CheckIn(
        latitude.quantize(DEGREES),
        longitude.quantize(DEGREES),
        None if accuracy_m is None else round(accuracy_m),
        at,
    )


def distance_m(
    check_in: CheckIn, latitude: Decimal | None, longitude: Decimal | None
) -> int | None:
    """Metres from the check-in to a location (None when there is none), rounded."""
    if latitude is None or longitude is None:
        return None
    return round(
        geo.haversine_m(
            float(check_in.latitude), float(check_in.longitude), float(latitude), float(longitude)
        )
    )
