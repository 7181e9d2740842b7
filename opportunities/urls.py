"""Pages of deals: /opportunities/ (list, board, a deal, its forms) and the admins' stages and
loss reasons."""

from django.urls import path

from opportunities import views

app_name = "opportunities"

urlpatterns: list = [
    # The deals' pages (list, exports, board, a deal and its forms).
    path("", views.opportunity_list, name="list"),
    path("export.csv", views.opportunity_export_csv, name="export_csv"),
    path("export.xlsx", views.opportunity_export_xlsx, name="export_xlsx"),
    path("board/", views.opportunity_board, name="board"),
    path("new/", views.opportunity_create, name="create"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="edit"),
    path("<int:pk>/move/", views.opportunity_move, name="move"),
    path("<int:pk>/close/", views.opportunity_close, name="close"),
    path("<int:pk>/delete/", views.opportunity_delete, name="delete"),
    path("<int:pk>/contacts/", views.opportunity_contact_add, name="contact_add"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/remove/",
        views.opportunity_contact_remove,
        name="contact_remove",
    ),
]
