from django.urls import path

from keyaccounts import views

app_name = "keyaccounts"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/<int:account_pk>/", views.plan_create, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/rows/", views.row_add, name="row_add"),
    path("<int:pk>/products/", views.product_add, name="product_add"),
    path("<int:pk>/marks/", views.mark_set, name="mark_set"),
    path("<int:pk>/goals/", views.goal_set, name="goal_set"),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/history/<int:version>/", views.history_version, name="version"),
]
