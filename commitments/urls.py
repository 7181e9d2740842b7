from django.urls import path

from commitments import views

app_name = "commitments"
urlpatterns = [
    path("", views.commitment_list, name="list"),
    path("new/", views.commitment_create, name="create"),
    path("<int:pk>/edit/", views.commitment_edit, name="edit"),
    path("<int:pk>/done/", views.commitment_done, name="done"),
    path("<int:pk>/undo/", views.commitment_undo, name="undo"),
    path("<int:pk>/delete/", views.commitment_delete, name="delete"),
]
