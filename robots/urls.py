from django.urls import path

from robots import views

app_name = "robots"
urlpatterns = [
    path("", views.robot_list, name="list"),
    path("new/", views.robot_create, name="create"),
    path("<int:pk>/", views.robot_edit, name="edit"),
    path("<int:pk>/delete/", views.robot_delete, name="delete"),
    path("<int:pk>/test/", views.robot_test, name="test"),
]
