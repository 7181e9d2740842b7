"""Pages of targets (quotas): /targets/."""

from django.urls import path

from opportunities import target_views as views

app_name = "targets"

urlpatterns = [
    path("", views.target_list, name="list"),
    path("new/", views.target_create, name="create"),
    path("<int:pk>/edit/", views.target_edit, name="edit"),
    path("<int:pk>/delete/", views.target_delete, name="delete"),
]
