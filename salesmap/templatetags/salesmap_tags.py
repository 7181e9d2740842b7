"""{% map_tiles %}: the tile server's data attributes for static/js/salesmap.js (read from
the settings at render time)."""

from django import template
from django.conf import settings
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def map_tiles() -> str:
    return format_html(
        'data-tile-url="{}" data-tile-attribution="{}"',
        settings.CRM_MAP_TILE_URL,
        settings.CRM_MAP_TILE_ATTRIBUTION,
    )


@register.simple_tag
def geocoder_enabled() -> bool:
    return bool(settings.CRM_GEOCODER_URL)
