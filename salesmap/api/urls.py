from django.urls import path

from salesmap.api.views import MapAccountsView

app_name = "salesmap-api"
urlpatterns = [
    path("accounts/", MapAccountsView.as_view(), name="accounts"),
]
