"""HTML pages of the forecast (/forecast/)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def forecast_page(request):
    return render(request, "opportunities/forecast/forecast.html", {})
