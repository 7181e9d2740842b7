from django.urls import path

from accounts import export_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("bulk-reassign/", views.account_bulk_reassign, name="bulk_reassign"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/delete/", views.account_delete, name="delete"),
    path("<int:account_pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/reports-to/", views.contact_reports_to, name="contact_reports_to"),
    path("<int:account_pk>/team/add/", views.team_member_add, name="team_add"),
    path("team/<int:pk>/edit/", views.team_member_edit, name="team_member_edit"),
    path("team/<int:pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("<int:account_pk>/incumbents/new/", views.incumbent_create, name="incumbent_create"),
    path("incumbents/<int:pk>/edit/", views.incumbent_edit, name="incumbent_edit"),
    path("incumbents/<int:pk>/delete/", views.incumbent_delete, name="incumbent_delete"),
    path("settings/buying-centre/", views.buying_centre_settings, name="buying_centre_settings"),
    path("<int:account_pk>/orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("export/<str:entity>.<str:ext>", export_views.export_download, name="export"),
]
