from django.urls import path

from scoring.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("export.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
]
