"""Pages of targets (quotas): /targets/."""

app_name = "targets"

urlpatterns: list = []
