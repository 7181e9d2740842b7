from django.urls import path

from salesmap import views

app_name = "salesmap"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("route/", views.route_page, name="route"),
    path("accounts/<int:account_pk>/location/", views.account_location, name="account_location"),
    path("accounts/<int:account_pk>/geocode/", views.account_geocode_view, name="account_geocode"),
]
