"""Pages of receivables: /receivables/ (aging), contracts, their payments, invoices and files."""

from django.urls import path

from receivables import views

app_name = "receivables"

urlpatterns = [
    path("", views.aging_page, name="aging"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/payments/", views.contract_payment, name="contract_payment"),
    path("contracts/<int:pk>/invoices/", views.contract_invoice, name="contract_invoice"),
    path("contracts/<int:pk>/attachments/", views.contract_attach, name="contract_attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
