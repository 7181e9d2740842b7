"""API of targets and the forecast: /api/v1/targets/, /api/v1/forecast/."""

urlpatterns: list = []
