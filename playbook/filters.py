"""FilterSets of the playbook API."""

import django_filters

from core.filters import IdFilterSet
from playbook.models import IntelligenceAnswer, IntelligenceQuestion, TalkTrack


class TalkTrackFilter(IdFilterSet):
    industry = django_filters.CharFilter(lookup_expr="iexact", max_length=100)

    class Meta:
        model = TalkTrack
        fields = ["situation", "industry", "active"]


class IntelligenceQuestionFilter(IdFilterSet):
    industry = django_filters.CharFilter(lookup_expr="iexact", max_length=100)

    class Meta:
        model = IntelligenceQuestion
        fields = ["industry", "active"]


class IntelligenceAnswerFilter(IdFilterSet):
    class Meta:
        model = IntelligenceAnswer
        fields = ["account", "question", "answered_by"]
