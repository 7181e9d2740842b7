"""The users pages (admins only): list, create or invite, edit, deactivate and reactivate."""

from django.urls import path

from crm import views

app_name = "users"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_create_view, name="create"),
    path("<int:pk>/", views.user_edit, name="edit"),
    path("<int:pk>/invite/", views.user_invite, name="invite"),
    path("<int:pk>/deactivate/", views.user_deactivate_view, name="deactivate"),
    path("<int:pk>/reactivate/", views.user_reactivate_view, name="reactivate"),
]
