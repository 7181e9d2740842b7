from rest_framework import serializers

from crm.models import Team
from robots.models import Platform, RobotWebhook
from robots.platforms import mask_secret, mask_url


class RobotSerializer(serializers.ModelSerializer):
    """A robot as the API shows it: the webhook address masked, the secret write-only (only
    whether one is set, and its last 4 characters)."""

    url = serializers.CharField(write_only=True, max_length=500, required=False)
    secret = serializers.CharField(
        write_only=True, max_length=200, required=False, allow_blank=True
    )
    clear_secret = serializers.BooleanField(write_only=True, required=False, default=False)
    masked_url = serializers.SerializerMethodField()
    masked_secret = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = RobotWebhook
        fields = [
            "id",
            "name",
            "platform",
            "team",
            "user",
            "url",
            "masked_url",
            "secret",
            "clear_secret",
            "masked_secret",
            "has_secret",
            "active",
            "created_at",
            "last_success_at",
            "last_failure_at",
            "last_error",
            "consecutive_failures",
        ]
        read_only_fields = [
            "user",
            "created_at",
            "last_success_at",
            "last_failure_at",
            "last_error",
            "consecutive_failures",
        ]

    def get_masked_url(self, robot: RobotWebhook) -> str:
        return mask_url(robot.url)

    def get_masked_secret(self, robot: RobotWebhook) -> str:
        return mask_secret(robot.secret)

    def get_has_secret(self, robot: RobotWebhook) -> bool:
        return bool(robot.secret)


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    answer = serializers.CharField()
