from django.urls import path

from scoring.dashboard.api.views import DashboardIndexView, figure_view
from scoring.dashboard.selectors import FIGURES

app_name = "dashboard-api"
urlpatterns = [
    path("", DashboardIndexView.as_view(), name="index"),
    *[path(f"{name}/", figure_view(name).as_view(), name=name) for name in FIGURES],
]
