from django.urls import path

from playbook import views

app_name = "playbook"
urlpatterns = [
    path("talk-tracks/", views.talk_track_list, name="talk_tracks"),
    path("talk-tracks/new/", views.talk_track_edit, name="talk_track_create"),
    path("talk-tracks/<int:pk>/", views.talk_track_edit, name="talk_track_edit"),
    path("talk-tracks/<int:pk>/delete/", views.talk_track_delete, name="talk_track_delete"),
    path("talk-tracks/<int:pk>/move/", views.talk_track_move, name="talk_track_move"),
    path("outline/", views.question_list, name="outline"),
    path("outline/new/", views.question_edit, name="question_create"),
    path("outline/<int:pk>/", views.question_edit, name="question_edit"),
    path("outline/<int:pk>/delete/", views.question_delete, name="question_delete"),
    path("outline/<int:pk>/move/", views.question_move, name="question_move"),
    path(
        "accounts/<int:account_pk>/intelligence/",
        views.intelligence_save,
        name="intelligence_save",
    ),
]
