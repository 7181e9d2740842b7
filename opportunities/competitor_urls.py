from django.urls import path

from opportunities import competitor_views

app_name = "competitors"
urlpatterns = [
    path("", competitor_views.competitor_list_page, name="list"),
    path("new/", competitor_views.competitor_create, name="create"),
    path("<int:pk>/", competitor_views.competitor_detail, name="detail"),
    path("<int:pk>/edit/", competitor_views.competitor_edit, name="edit"),
]
