from rest_framework import serializers


class ForecastRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="account_id")
    name = serializers.CharField()
    current_tier = serializers.CharField()
    predicted_tier = serializers.CharField()
    probability = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class ForecastSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    horizon_days = serializers.IntegerField()
    count = serializers.IntegerField()
    results = ForecastRowSerializer(many=True)


class ForecastQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    horizon_days = serializers.IntegerField(min_value=1, max_value=730, required=False)
    tier = serializers.ChoiceField(choices=["A", "B"], required=False)
