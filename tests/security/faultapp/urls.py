from django.urls import include, path

from tests.security.faultapp import views

urlpatterns = [
    path("fault/save-and-queue/", views.save_and_queue, name="fault-save-and-queue"),
    path("", include("crm.urls")),
]
