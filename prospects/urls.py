app_name = "prospects"
urlpatterns: list = []
