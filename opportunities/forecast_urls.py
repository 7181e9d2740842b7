"""Pages of the forecast: /forecast/."""

app_name = "forecast"

urlpatterns: list = []
