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
    path("settings/buying-centre/", views.buying_centre_settings, name="buying_centre_settings"),
    path("<int:account_pk>/orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("export/<str:entity>.<str:ext>", export_views.export_download, name="export"),
]
