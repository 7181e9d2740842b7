"""Everything config.urls serves, plus /bench/baseline/accounts/."""

from django.urls import path

from bench.baseline.views import BaselineAccountList
from config.urls import urlpatterns as crm_urlpatterns

urlpatterns = [
    *crm_urlpatterns,
    path("bench/baseline/accounts/", BaselineAccountList.as_view(), name="bench-baseline-accounts"),
]
