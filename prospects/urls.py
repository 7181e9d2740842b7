from django.urls import path

from prospects import views

app_name = "prospects"
urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.prospect_list, name="list"),
    path("team/", views.team, name="team"),
    path("coverage/", views.coverage, name="coverage"),
    path("compare/", views.compare, name="compare"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/teams/", views.team_minimums, name="team_minimums"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/revive/", views.revive, name="revive"),
    path("accounts/<int:account_pk>/add/", views.create, name="create"),
    path("accounts/<int:account_pk>/worksheet/", views.worksheet_new, name="worksheet_new"),
    path(
        "accounts/<int:account_pk>/worksheets/",
        views.worksheet_history,
        name="worksheet_history",
    ),
]
