from django.urls import path

from health.api.views import ForecastView

app_name = "health-api"
urlpatterns = [path("", ForecastView.as_view(), name="forecast")]
