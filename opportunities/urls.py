"""Pages of deals: /opportunities/ (list, board, a deal, its forms) and the admins' stages and
loss reasons."""

app_name = "opportunities"

urlpatterns: list = []
