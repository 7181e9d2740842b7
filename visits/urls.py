from django.urls import path

from visits import views

app_name = "visits"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("due/", views.due_list, name="due"),
    path("log/", views.visit_create, name="log"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/generate/", views.plan_generate, name="plan_generate"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("plans/<int:pk>/checklist/", views.plan_checklist_save, name="plan_checklist"),
    path("touches/", views.touch_list, name="touch_list"),
    path("touches/new/", views.touch_create, name="touch_create"),
    path("touches/<int:pk>/edit/", views.touch_edit, name="touch_edit"),
    path("touches/<int:pk>/delete/", views.touch_delete, name="touch_delete"),
    path("reminders/", views.reminder_list, name="reminders"),
    path("reminders/bulk/", views.reminders_bulk, name="reminders_bulk"),
    path("reminders/<int:pk>/done/", views.reminder_done, name="reminder_done"),
    path("reminders/<int:pk>/snooze/", views.reminder_snooze, name="reminder_snooze"),
    path("settings/", views.settings_edit, name="settings"),
    path("settings/checklist/", views.checklist_items_list, name="checklist_items"),
    path("settings/checklist/new/", views.checklist_item_edit, name="checklist_item_create"),
    path("settings/checklist/<int:pk>/", views.checklist_item_edit, name="checklist_item_edit"),
    path(
        "settings/checklist/<int:pk>/delete/",
        views.checklist_item_delete,
        name="checklist_item_delete",
    ),
    path("settings/occasions/", views.occasion_list, name="occasions"),
    path("settings/occasions/new/", views.occasion_edit, name="occasion_create"),
    path("settings/occasions/<int:pk>/", views.occasion_edit, name="occasion_edit"),
    path("settings/occasions/<int:pk>/delete/", views.occasion_delete, name="occasion_delete"),
]
