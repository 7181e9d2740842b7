"""Coordinates: reading them from text (imports, forms) and the distance between two points.

Positions are WGS-84 degrees, as GPS receivers, browsers (navigator.geolocation) and
OpenStreetMap give them. Maps of mainland China (AMap 高德, Tencent) draw in GCJ-02, an
offset datum: see docs/OPERATIONS.md (sales map) for what that means for the pins."""

import math
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import NamedTuple

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG), in metres
SIX_PLACES = Decimal("0.000001")


class Point(NamedTuple):
    latitude: Decimal
    longitude: Decimal


class CoordinateError(ValueError):
    """A text that is not a coordinate, or one out of range; `code` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres between two points (degrees) on a sphere of the
    Earth's mean radius (within 0.5% of the ellipsoid; plenty for "how far from the
    customer" and a day's route)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


_HEMISPHERE = {"N": 1, "E": 1, "S": -1, "W": -1, "北": 1, "东": 1, "南": -1, "西": -1}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_degrees(text: str, *, limit: int) -> Decimal:
    """A coordinate in decimal degrees from text: "31.2304", "31,2304" (a decimal comma),
    "31.2304°", "N31.2304", "121.47E", "东经121.47"; within ±`limit` (90 for a latitude,
    180 for a longitude), rounded to six places. Raises CoordinateError ("coordinate_invalid"
    or "coordinate_out_of_range")."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper()
    for word in ("东经", "西经", "北纬", "南纬"):
        value = value.replace(word, word[0])
    sign = 1
    if value and value[0] in _HEMISPHERE:
        sign, value = _HEMISPHERE[value[0]], value[1:]
    elif value and value[-1] in _HEMISPHERE:
        sign, value = _HEMISPHERE[value[-1]], value[:-1]
    value = value.strip().rstrip("°").strip()
    if value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    if not _NUMBER.match(value):
        raise CoordinateError("coordinate_invalid")
    try:
        number = Decimal(value) * sign
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise CoordinateError("coordinate_invalid") from exc
    if not number.is_finite() or abs(number) > limit:
        raise CoordinateError("coordinate_out_of_range")
    return number.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN)


def parse_latitude(text: str) -> Decimal:
    return parse_degrees(text, limit=90)


def parse_longitude(text: str) -> Decimal:
    return parse_degrees(text, limit=180)


def parse_pair(text: str) -> Point:
    """Both coordinates from one cell ("坐标": "31.2304, 121.4737"). Chinese map tools write
    the longitude first (AMap's picker: "121.4737,31.2304"): the order is told by the value
    above 90, which is the longitude; when both are within ±90 the order is unknown and the
    cell refused ("coordinate_ambiguous")."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    parts = [p for p in re.split(r"[,;\s/]+", value) if p]
    if len(parts) != 2:
        raise CoordinateError("coordinate_invalid")
    first, second = (parse_degrees(p, limit=180) for p in parts)
    if abs(first) > 90 and abs(second) <= 90:
        return Point(second, first)
    if abs(second) > 90 and abs(first) <= 90:
        return Point(first, second)
    if abs(first) > 90:
        raise CoordinateError("coordinate_out_of_range")
    raise CoordinateError("coordinate_ambiguous")
