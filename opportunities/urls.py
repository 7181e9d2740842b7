"""Pages of deals: /opportunities/ (list, board, a deal, its forms) and the admins' stages and
loss reasons."""

from django.urls import path

from opportunities import admin_views

app_name = "opportunities"

urlpatterns: list = []

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
