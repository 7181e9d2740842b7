"""Today's row links are built from one reverse() per pattern (a prefix, the id, a suffix):
the same URLs as reversing each row's, under a script prefix too."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix

from today.links import _pattern, page_links

NAMES = [
    "accounts:detail",
    "visits:plan_detail",
    "commitments:done",
    "visits:reminder_done",
    "visits:reminder_snooze",
    "prospects:detail",
]


@pytest.mark.parametrize("prefix", ["/", "/crm/"])
def test_a_pattern_gives_what_reverse_gives_for_every_id(prefix):
    set_script_prefix(prefix)
    try:
        for name in NAMES:
            url_of = _pattern(name)
            for pk in (1, 7, 42, 2147483646, 12345678901):
                assert url_of(pk) == reverse(name, args=[pk])
        assert page_links()["log"] == reverse("visits:log")
        assert page_links()["log"].startswith(prefix)
    finally:
        clear_script_prefix()
