"""Forms of the sales map pages. They only shape input; selectors and services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import geo
from crm.models import User
from crm.pickers import user_filter_picker


class LocationForm(forms.Form):
    """The pin on the customer card: the marker's position (dragged, or typed)."""

    latitude = forms.DecimalField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        max_digits=12,
        decimal_places=9,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        max_digits=13,
        decimal_places=9,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )


class RouteForm(forms.Form):
    """The route page's choices (GET): the day, the rep (managers and admins), and where the
    day starts (optional: "latitude,longitude", e.g. the office)."""

    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start = forms.CharField(
        label=_("Start from"),
        required=False,
        max_length=60,
        help_text=_("Optional: latitude,longitude (e.g. 31.2304,121.4737)."),
    )

    def __init__(self, data=None, *, user: User, **kwargs):
        super().__init__(data, **kwargs)
        if user.can_manage:
            self.fields["rep"] = user_filter_picker(user, label=_("Rep"), placeholder=_("All reps"))
            self.order_fields(["date", "rep", "start"])

    def clean_date(self):
        return self.cleaned_data["date"] or timezone.localdate()

    def clean_start(self) -> tuple[float, float] | None:
        text = self.cleaned_data["start"].strip()
        if not text:
            return None
        parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
        if len(parts) != 2:
            raise forms.ValidationError(_("Give the latitude and the longitude: 31.2304,121.4737."))
        try:
            return (float(geo.parse_latitude(parts[0])), float(geo.parse_longitude(parts[1])))
        except geo.CoordinateError as exc:
            raise forms.ValidationError(
                _("Give the latitude (-90 to 90) and the longitude (-180 to 180).")
            ) from exc
