from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_new, name="new"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/undo/", views.batch_undo, name="undo"),
    path("<int:pk>/rejected.csv", views.batch_rejected, name="rejected"),
    path("<int:pk>/mapping/", views.mapping_save, name="mapping_save"),
]
