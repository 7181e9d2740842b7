from typing import Any

from rest_framework import serializers

from crm.models import Team, Territory, User


class UserSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(
        source="team.name", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "role", "team", "team_name"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "manager", "territory", "pipeline_minimum"]
        read_only_fields = fields


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["id", "name", "code"]
        read_only_fields = fields


class UserWriteSerializer(serializers.ModelSerializer):
    """An admin creates a user (with `password`, or without one: then an invitation to set it
    is e-mailed, which needs `email`) or changes names, e-mail, role, team and territory."""

    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        max_length=128,
        trim_whitespace=False,
        help_text="Initial password (create only). Leave it out to e-mail an invitation.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "team",
            "territory",
            "password",
        ]
        # The service checks the row (uniqueness included) in one place.
        extra_kwargs: dict[str, dict[str, Any]] = {"username": {"validators": []}}


class UserUpdateSerializer(UserWriteSerializer):
    class Meta(UserWriteSerializer.Meta):
        fields = ["first_name", "last_name", "email", "role", "team", "territory"]


class InviteResultSerializer(serializers.Serializer):
    sent_to = serializers.EmailField()
