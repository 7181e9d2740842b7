"""Pages of the forecast: /forecast/."""

from django.urls import path

from opportunities import forecast_views as views

app_name = "forecast"

urlpatterns = [
    path("", views.forecast_page, name="forecast"),
]
