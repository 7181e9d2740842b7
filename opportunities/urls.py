"""Pages of deals: /opportunities/ (list, board, a deal, its forms) and the admins' stages and
loss reasons."""

from django.urls import path

from opportunities import admin_views, views

app_name = "opportunities"

urlpatterns: list = []

# oppages: the deals' pages (list, exports, board, a deal and its forms).
urlpatterns += [
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
    path("<int:pk>/contacts/remove/", views.opportunity_contact_remove, name="contact_remove"),
    path("<int:pk>/competitors/", views.opportunity_competitor_set, name="competitor_set"),
    path(
        "<int:pk>/competitors/remove/",
        views.opportunity_competitor_remove,
        name="competitor_remove",
    ),
]

# oppcore: the admins' stages, loss reasons and settings; a prospect's colour against the rule.
urlpatterns += [
    path("stages/", admin_views.stage_list, name="stages"),
    path("stages/new/", admin_views.stage_edit, name="stage_create"),
    path("stages/<int:pk>/", admin_views.stage_edit, name="stage_edit"),
    path("stages/<int:pk>/delete/", admin_views.stage_delete, name="stage_delete"),
    path("stages/<int:pk>/move/", admin_views.stage_move, name="stage_move"),
    path("loss-reasons/", admin_views.loss_reason_list, name="loss_reasons"),
    path("loss-reasons/new/", admin_views.loss_reason_edit, name="loss_reason_create"),
    path("loss-reasons/<int:pk>/", admin_views.loss_reason_edit, name="loss_reason_edit"),
    path(
        "loss-reasons/<int:pk>/delete/", admin_views.loss_reason_delete, name="loss_reason_delete"
    ),
    path("loss-reasons/<int:pk>/move/", admin_views.loss_reason_move, name="loss_reason_move"),
    path("settings/", admin_views.settings_edit, name="settings"),
    path("prospect-colour/<int:pk>/", admin_views.prospect_colour, name="prospect_colour"),
]
