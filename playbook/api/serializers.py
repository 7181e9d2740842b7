"""Serializers of the playbook API; writes go through playbook.services (which re-check the
account's book)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from accounts.selectors import accounts_visible_to
from playbook.models import ANSWER_MAX_LENGTH, IntelligenceAnswer, IntelligenceQuestion, TalkTrack


class TalkTrackSerializer(serializers.ModelSerializer):
    situation_label = serializers.CharField(source="get_situation_display", read_only=True)
    title = serializers.CharField(read_only=True, help_text="In the caller's language.")
    text = serializers.CharField(read_only=True, help_text="In the caller's language.")

    class Meta:
        model = TalkTrack
        fields = [
            "id",
            "situation",
            "situation_label",
            "title",
            "text",
            "title_en",
            "title_zh_hans",
            "text_en",
            "text_zh_hans",
            "industry",
            "position",
            "active",
        ]
        read_only_fields = fields


class IntelligenceQuestionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="In the caller's language.")

    class Meta:
        model = IntelligenceQuestion
        fields = ["id", "text", "text_en", "text_zh_hans", "industry", "position", "active"]
        read_only_fields = fields


class IntelligenceAnswerSerializer(serializers.ModelSerializer):
    """POST sets the answer of an account to a question (creating or replacing it); PUT and
    PATCH change its text; the account and question of an answer never change."""

    text = serializers.CharField(max_length=ANSWER_MAX_LENGTH, trim_whitespace=True)

    class Meta:
        model = IntelligenceAnswer
        fields = ["id", "account", "question", "text", "answered_by", "answered_at"]
        read_only_fields = ["answered_by", "answered_at"]
        # One answer per account and question: POST replaces it (the service upserts).
        validators: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "account" in self.fields:
            self.fields["account"].queryset = accounts_visible_to(request.user)  # type: ignore[attr-defined]
        if "question" in self.fields:
            self.fields["question"].queryset = IntelligenceQuestion.objects.all()  # type: ignore[attr-defined]

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("account", "question"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("This cannot be changed: set the answer of the other one.")}
                    )
        return attrs
