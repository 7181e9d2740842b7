from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from accounts import services
from crm.queue import enqueue


@login_required
@require_POST
def save_and_queue(request):
    """Save an account and queue follow-up work in the same transaction, as a visit log will."""
    with transaction.atomic():
        account = services.account_create(actor=request.user, data={"name": request.POST["name"]})
        enqueue("faultapp.record_effect_task", request.POST["key"])
    return HttpResponse(str(account.pk), status=201)
