from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("pareto/", views.pareto, name="pareto"),
    path("quadrants/", views.quadrants, name="quadrants"),
    path("priority/", views.priority, name="priority"),
    path("accounts/", views.accounts, name="accounts"),
    path("movers/", views.movers, name="movers"),
    path("runs/", views.run_list, name="runs"),
    path("runs/new/", views.recompute, name="recompute"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("settings/", views.settings_edit, name="settings"),
]
