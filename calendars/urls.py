from django.urls import path

from calendars import views

app_name = "calendars"

urlpatterns = [
    path("feed/reset/", views.feed_reset, name="feed_reset"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
