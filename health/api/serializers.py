from rest_framework import serializers


class TierForecastRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account_id")
    name = serializers.CharField()
    current_tier = serializers.CharField()
    predicted_tier = serializers.CharField()
    probability = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class TierForecastSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    horizon_days = serializers.IntegerField()
    count = serializers.IntegerField()
    results = TierForecastRowSerializer(many=True)


class TierForecastQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    horizon_days = serializers.IntegerField(min_value=1, max_value=730, required=False)
    tier = serializers.ChoiceField(choices=["A", "B"], required=False)
