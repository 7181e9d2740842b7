"""The API's one exception handler (settings: REST_FRAMEWORK["EXCEPTION_HANDLER"]).

Services speak Django: they raise `ValidationError`, `PermissionDenied` and, for a row that
is gone, `ObjectDoesNotExist`. This turns each into the DRF answer every endpoint gives, so
API views call services directly, without a try/except of their own:

- `ValidationError` with field errors: 400 `{"field": ["message", …], …}`;
  without: 400 `{"non_field_errors": ["message", …]}`;
- `PermissionDenied`: 403 `{"detail": …}`, with the service's message when it gives one;
- `ObjectDoesNotExist` (e.g. `Account.DoesNotExist`) and `Http404`: 404 `{"detail": …}`.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def drf_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """The DRF error for a Django ValidationError (field errors keep their field names)."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {
                field: [str(message) for error in errors for message in error.messages]
                for field, errors in exc.error_dict.items()
            }
        )
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc, context):
    """DRF's handler, after turning the service layer's Django exceptions into DRF ones
    (DRF itself already maps `Http404` and `PermissionDenied`)."""
    if isinstance(exc, DjangoValidationError):
        exc = drf_validation_error(exc)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied) and exc.args and exc.args[0]:
        # DRF answers Django's PermissionDenied with its generic text; keep the service's.
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    return drf_exception_handler(exc, context)
