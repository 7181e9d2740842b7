from rest_framework import serializers


class MapAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(help_text="A, B, C or empty (untiered)")
    latitude = serializers.FloatField(help_text="WGS-84 degrees")
    longitude = serializers.FloatField(help_text="WGS-84 degrees")
    owner = serializers.CharField(help_text="the owner's username")


class MapAccountsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="located accounts that match the filters")
    limit = serializers.IntegerField(help_text="the most accounts one answer holds")
    truncated = serializers.BooleanField(help_text="more matched than the answer holds")
    without_location = serializers.IntegerField(
        help_text="matching accounts without a location (not on the map)"
    )
    accounts = MapAccountSerializer(many=True)
