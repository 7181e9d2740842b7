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
