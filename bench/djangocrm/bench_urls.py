"""DjangoCRM's URLs, with its company list shown 50 rows a page like ours (Django admin's
default is 100) on both of its sites (the CRM site and the admin)."""

from crm.site.crmadminsite import crm_site
from django.contrib import admin
from webcrm.urls import urlpatterns  # noqa: F401

from crm.models import Company

for _site in (crm_site, admin.site):
    if Company in _site._registry:
        _site._registry[Company].list_per_page = 50
