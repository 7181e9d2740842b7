"""FilterSets shared by the pipeline pages and the API."""

from typing import cast

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Tier
from accounts.selectors import account_name_search_q
from core.filters import DateTimeFilter, FilterSet, IntegerFilter, StrictBooleanFilter
from crm.models import Team, Territory, User
from crm.pickers import user_filter_picker
from crm.selectors import teams_visible_to, users_visible_to
from prospects.models import SEGMENT_LOYALTY, Colour, Prospect, SubStage, Worksheet

STATE_CHOICES = [
    ("active", _("Active pipeline")),
    ("abandoned", _("Abandoned")),
    ("all", _("All")),
]


class ProspectFilter(FilterSet):
    """Filters over `prospects.selectors.prospect_list` (which annotates `score`).

    `state` defaults to the active pipeline: abandoned prospects are found with
    `state=abandoned` or `state=all`.
    """

    queryset: QuerySet[Prospect]  # always given (the caller's visible prospects)

    q = django_filters.CharFilter(method="search", label=_("Search"))
    owner = django_filters.ModelChoiceFilter(
        field_name="account__owner", queryset=User.objects.all(), label=_("Owner")
    )
    team = django_filters.ModelChoiceFilter(
        field_name="account__owner__team", queryset=Team.objects.all(), label=_("Team")
    )
    territory = django_filters.ModelChoiceFilter(
        field_name="account__territory", queryset=Territory.objects.all(), label=_("Territory")
    )
    colour = django_filters.ChoiceFilter(choices=Colour.choices, label=_("Colour"))
    sub_stage = django_filters.ModelChoiceFilter(
        queryset=SubStage.objects.all(), label=_("Sub-stage")
    )
    decision = django_filters.ChoiceFilter(choices=Prospect.Decision.choices, label=_("Decision"))
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, method="filter_state", label=_("State"), empty_label=None
    )
    segment = django_filters.ChoiceFilter(
        choices=Prospect.Segment.choices, method="filter_segment", label=_("Segment")
    )
    source = django_filters.ChoiceFilter(choices=Prospect.Source.choices, label=_("Source"))
    revived = StrictBooleanFilter(method="filter_revived", label=_("Revived old contacts only"))
    tier = django_filters.ChoiceFilter(
        field_name="account__tier", choices=Tier.choices, label=_("Tier")
    )
    score_min = IntegerFilter(field_name="score", lookup_expr="gte", label=_("Score from"))
    score_max = IntegerFilter(field_name="score", lookup_expr="lte", label=_("Score to"))
    unscored = StrictBooleanFilter(
        field_name="score", lookup_expr="isnull", label=_("No worksheet yet")
    )

    class Meta:
        model = Prospect
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("state"):
            data = data.copy()
            data["state"] = "active"
        super().__init__(data, *args, **kwargs)
        user = getattr(self.request, "user", None)
        # The menus offer only people and teams inside the caller's book (signed out: none).
        if isinstance(user, User):
            owners, teams = users_visible_to(user), teams_visible_to(user)
        else:
            owners, teams = User.objects.none(), Team.objects.none()
        # The stubs type self.filters as plain Filter; cast to the filter's own class.
        cast(django_filters.ModelChoiceFilter, self.filters["owner"]).queryset = owners
        cast(django_filters.ModelChoiceFilter, self.filters["team"]).queryset = teams
        cast(
            django_filters.ModelChoiceFilter, self.filters["sub_stage"]
        ).queryset = SubStage.objects.filter(is_active=True)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = account_name_search_q(value, account_path="account__") | Q(
            account__external_code=value
        )
        return queryset.filter(condition)

    def filter_state(self, queryset, name, value):
        if value == "active":
            return queryset.active()
        if value == "abandoned":
            return queryset.abandoned()
        return queryset

    def filter_segment(self, queryset, name, value):
        return queryset.filter(competitor_loyalty=SEGMENT_LOYALTY[value])

    def filter_revived(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.filter(source=Prospect.Source.LEGACY_LIST)
        return queryset.exclude(source=Prospect.Source.LEGACY_LIST)


class WorksheetFilter(FilterSet):
    account = IntegerFilter(field_name="account_id", label=_("Account"))
    author = IntegerFilter(field_name="author_id", label=_("Author"))
    total = IntegerFilter(label=_("Total"))
    current = StrictBooleanFilter(field_name="is_current", label=_("Current only"))
    filled_from = DateTimeFilter(field_name="filled_at", lookup_expr="gte")
    filled_to = DateTimeFilter(field_name="filled_at", lookup_expr="lte")

    class Meta:
        model = Worksheet
        fields = ["account", "author", "total"]


def prospect_page_filter(
    user: User, data, *, queryset: QuerySet[Prospect], request=None
) -> ProspectFilter:
    """The board's and list's filter bar: the owner is a type-ahead picker over the users `user`
    sees (one outside them is the filter's error); the API reads the owner's id."""
    return ProspectFilter(data, queryset=queryset, request=request).with_pickers(
        owner=user_filter_picker(user, label=_("Owner"), placeholder=_("All owners"))
    )
