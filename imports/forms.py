from typing import cast

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm.models import User
from crm.pickers import UserPickerField
from crm.selectors import users_assignable_by
from imports.models import ImportBatch, ImportMapping
from imports.registry import import_kind, kind_available
from imports.selectors import import_mappings_for
from imports.upload.fields import target_choices

ENCODINGS = [
    ("", _("Detect automatically")),
    ("utf-8-sig", "UTF-8"),
    ("gb18030", "GB18030 / GBK / GB2312"),
    ("big5", "Big5"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252 (Latin)"),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=lambda: [(k, v) for k, v in ImportBatch.Kind.choices if kind_available(k)],
        widget=forms.RadioSelect,
        initial=ImportBatch.Kind.CUSTOMERS,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any common encoding), Excel .xlsx or .xls."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx,.xlsm,.xls"}),
    )
    encoding = forms.ChoiceField(label=_("Text encoding (CSV)"), choices=ENCODINGS, required=False)
    saved_mapping: "forms.ModelChoiceField[ImportMapping]" = forms.ModelChoiceField(
        label=_("Saved mapping"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type self.fields as plain Field; cast to the field's own class.
        cast(forms.ModelChoiceField, self.fields["saved_mapping"]).queryset = import_mappings_for(
            user
        )


class MappingSelect(forms.Select):
    """The select of one column's target, rendered in Python from options rendered once per
    form (`rendered_options`, set by ConfigForm): the mapping table has one select per column
    (up to CRM_IMPORT_MAX_COLUMNS) and Django's template per option took about 10 ms a select, so a
    wide file's page took many seconds. The same HTML as forms.Select."""

    # (value, '<option value="…"', '>label</option>'), the last two safe HTML
    rendered_options: list[tuple[str, str, str]] = []

    @staticmethod
    def render_options(choices) -> list[tuple[str, str, str]]:
        return [
            (
                str(key),
                format_html('<option value="{}"', key),
                format_html(">{}</option>", label),
            )
            for key, label in choices
        ]

    def render(self, name, value, attrs=None, renderer=None):
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            "{}{}{}",
            (
                (start, " selected" if key == chosen else "", end)
                for key, start, end in self.rendered_options or self.render_options(self.choices)
            ),
        )
        return format_html(
            "<select{}>{}</select>",
            flatatt({"name": name, **self.build_attrs(self.attrs, attrs)}),
            options,
        )


class ConfigForm(forms.Form):
    """The mapping (one select per column) and the options of a batch."""

    sheet_name = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.IntegerField(
        label=_("Header row"),
        min_value=1,
        required=False,
        help_text=_("Row number of the headers."),
    )
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=ENCODINGS, required=False)
    mode = forms.ChoiceField(label=_("Existing records"), choices=ImportBatch.Mode.choices)
    on_error = forms.ChoiceField(label=_("Rows with errors"), choices=ImportBatch.OnError.choices)
    owner: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Owner of new accounts"),
        queryset=None,
        required=False,
        empty_label=_("— choose a sales rep —"),
        help_text=_("You are not a sales rep: choose the rep who will own the new accounts."),
    )
    invalid_phones = forms.ChoiceField(
        label=_("A phone cell that is not a phone"), choices=ImportBatch.InvalidPhones.choices
    )
    unknown_choices = forms.ChoiceField(
        label=_("An unknown channel, buying role or account type"),
        choices=ImportBatch.UnknownChoices.choices,
        required=False,  # not posted: the batch's choice stays
    )
    create_missing_accounts = forms.BooleanField(
        label=_("Create an account for an unknown account (name or customer code)"),
        required=False,
    )

    def __init__(self, *args, batch: ImportBatch, user, **kwargs):
        initial = {
            "sheet_name": batch.sheet_name,
            "header_row": batch.header_row or None,
            "encoding": batch.encoding,
            "mode": batch.mode,
            "on_error": batch.on_error,
            # The uploader (an admin or a manager) is not a sales rep: no owner is offered
            # until one is chosen.
            "owner": batch.owner_id if batch.owner and batch.owner.role == User.Role.REP else None,
            "invalid_phones": batch.invalid_phones,
            "unknown_choices": batch.unknown_choices,
            "create_missing_accounts": batch.create_missing_accounts,
        }
        for i, target in enumerate(batch.mapping):
            initial[f"col_{i}"] = target
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.batch = batch
        owner = self.fields["owner"]
        self.fields["owner"] = UserPickerField(
            users_assignable_by(user).filter(role=User.Role.REP),
            reps_only=True,
            required=False,
            label=owner.label,
            help_text=owner.help_text,
            placeholder=_("— choose a sales rep —"),
        )
        if batch.sheet_names:
            cast(forms.ChoiceField, self.fields["sheet_name"]).choices = [
                (n, n) for n in batch.sheet_names
            ]
        else:
            del self.fields["sheet_name"]
        if batch.file_format != ImportBatch.FileFormat.CSV:
            del self.fields["encoding"]
        registered = import_kind(batch.kind)
        if registered is not None:
            # A kind a higher app runs (deals, targets): no phones, channels or accounts
            # to create; the owner is the default owner of its rows (the importer if none).
            for name in ("unknown_choices", "create_missing_accounts", "invalid_phones"):
                del self.fields[name]
            self.fields["owner"].label = _("Default owner")
            self.fields["owner"].help_text = _(
                "Owner of the rows whose owner is empty or unknown (you, if none is chosen)."
            )
            cast(forms.ChoiceField, self.fields["mode"]).choices = [
                (k, v) for k, v in ImportBatch.Mode.choices if k in registered.modes
            ]
        elif batch.kind == ImportBatch.Kind.ORDERS:
            # Order lines have no channel or buying role.
            del self.fields["unknown_choices"]
            cast(forms.ChoiceField, self.fields["mode"]).choices = [
                (k, v) for k, v in ImportBatch.Mode.choices if k != ImportBatch.Mode.UPDATE
            ]
        else:
            del self.fields["create_missing_accounts"]
            self.fields["owner"].required = True
            self.fields["owner"].error_messages["required"] = _(
                "Choose the owner of the new accounts: you are not a sales rep, so they "
                "cannot be yours."
            )
        choices = [("", _("— ignore —")), *target_choices(batch.kind)]
        options = MappingSelect.render_options(choices)
        for i, header in enumerate(batch.headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": i + 1},
                choices=choices,
                required=False,
                widget=MappingSelect,
            )
            self.fields[f"col_{i}"].widget.rendered_options = options

    def clean(self):
        data = super().clean() or {}
        if (
            self.batch.kind == ImportBatch.Kind.ORDERS
            and data.get("create_missing_accounts")
            and not data.get("owner")
        ):
            self.add_error(
                "owner",
                _(
                    "Choose the owner of the accounts this import creates: you are not a sales "
                    "rep, so they cannot be yours."
                ),
            )
        return data

    def column_rows(self):
        """(header, select field, sample values) per column, for the mapping table."""
        samples = self.batch.sample_rows or []
        for i, _header in enumerate(self.batch.headers):
            values = [row[i] for row in samples if i < len(row) and row[i]][:3]
            yield self[f"col_{i}"], values

    def service_data(self) -> dict:
        data = self.cleaned_data
        out = {
            "mode": data["mode"],
            "on_error": data["on_error"],
            "owner": data["owner"],
        }
        if "invalid_phones" in self.fields:
            out["invalid_phones"] = data["invalid_phones"]
        if data.get("unknown_choices"):
            out["unknown_choices"] = data["unknown_choices"]
        if "create_missing_accounts" in self.fields:
            out["create_missing_accounts"] = data["create_missing_accounts"]
        changed_source = False
        if "sheet_name" in self.fields and data.get("sheet_name") != self.batch.sheet_name:
            out["sheet_name"] = data["sheet_name"]
            changed_source = True
        if "encoding" in self.fields and (data.get("encoding") or "") != self.batch.encoding:
            out["encoding"] = data.get("encoding") or ""
            changed_source = True
        if data.get("header_row") and data["header_row"] != self.batch.header_row:
            out["header_row"] = data["header_row"]
            changed_source = True
        if not changed_source:
            out["mapping"] = [data.get(f"col_{i}") or "" for i in range(len(self.batch.headers))]
        return out


class SaveMappingForm(forms.Form):
    name = forms.CharField(label=_("Save this mapping as"), max_length=100)
