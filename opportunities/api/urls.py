"""API of deals: /api/v1/opportunities/ (and the stages and loss reasons they use)."""

urlpatterns: list = []
