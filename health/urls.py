from django.urls import path

from health import views

app_name = "health"
urlpatterns = [path("forecast/", views.forecast, name="forecast")]
