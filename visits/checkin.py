"""Check-in (外勤签到): the position a rep's browser gave when they logged a visit, with
their consent, and how far it was from the account's location."""

from dataclasses import dataclass
from decimal import Decimal

from accounts import geo

# A first check-in sets a located-nowhere account's location only when the browser was this
# sure of the position (a desktop's Wi-Fi or IP guess can be kilometres off).
CHECK_IN_LOCATION_MAX_ACCURACY_M = 200


@dataclass(frozen=True)
class CheckIn:
    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None  # the browser's radius of confidence, in metres

    @property
    def precise(self) -> bool:
        return self.accuracy_m is not None and self.accuracy_m <= CHECK_IN_LOCATION_MAX_ACCURACY_M


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
