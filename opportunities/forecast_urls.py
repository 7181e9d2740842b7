"""Pages of the forecast: /forecast/ and its downloads."""

from django.urls import path

from opportunities import forecast_views as views

app_name = "forecast"

urlpatterns = [
    path("", views.forecast_page, name="forecast"),
    path("forecast.csv", views.forecast_csv, name="export_csv"),
    path("forecast.xlsx", views.forecast_xlsx, name="export_xlsx"),
]
