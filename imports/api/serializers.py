from typing import cast

from rest_framework import serializers

from crm.models import User
from crm.selectors import users_assignable_by
from imports.models import ImportBatch, ImportMapping, ImportRowError, ImportRowMatch
from imports.selectors import import_mappings_for
from imports.upload.cleaning import error_message


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # The run's process died (no sign of life for CRM_IMPORT_STALE_SECONDS): commit or
    # check starts it again.
    stale = serializers.BooleanField(source="is_stale", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "status",
            "status_display",
            "stale",
            "phase",
            "progress",
            "rows_read",
            "file_name",
            "file_sha256",
            "file_size",
            "file_format",
            "encoding",
            "sheet_name",
            "sheet_names",
            "header_row",
            "headers",
            "mapping",
            "mode",
            "on_error",
            "owner",
            "invalid_phones",
            "unknown_choices",
            "create_missing_accounts",
            "header_signature",
            "mapping_from",
            "counts",
            "preview",
            "message",
            "created_by",
            "created_at",
            "checked_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "undone_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportBatch.Kind.choices)
    file = serializers.FileField()
    encoding = serializers.CharField(required=False, allow_blank=True, default="")
    sheet_name = serializers.CharField(required=False, allow_blank=True, default="")
    saved_mapping = serializers.PrimaryKeyRelatedField(
        queryset=ImportMapping.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the caller's own mappings (admins: all); another's id reads as "does not exist".
        request = self.context.get("request")
        if request is not None:
            # The stubs type self.fields as plain Field; cast to the field's own class.
            field = cast(serializers.RelatedField, self.fields["saved_mapping"])
            # drf-stubs type `queryset` as a Manager, which mypy reads as a descriptor.
            field.queryset = import_mappings_for(request.user)  # type: ignore[arg-type]


class ImportConfigSerializer(serializers.Serializer):
    sheet_name = serializers.CharField(required=False)
    encoding = serializers.CharField(required=False, allow_blank=True)
    header_row = serializers.IntegerField(required=False, min_value=1)
    mapping = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    mode = serializers.ChoiceField(choices=ImportBatch.Mode.choices, required=False)
    on_error = serializers.ChoiceField(choices=ImportBatch.OnError.choices, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    create_missing_accounts = serializers.BooleanField(required=False)
    invalid_phones = serializers.ChoiceField(
        choices=ImportBatch.InvalidPhones.choices, required=False
    )
    unknown_choices = serializers.ChoiceField(
        choices=ImportBatch.UnknownChoices.choices, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # The stubs type self.fields as plain Field; cast to the field's own class.
            field = cast(serializers.RelatedField, self.fields["owner"])
            # drf-stubs type `queryset` as a Manager, which mypy reads as a descriptor.
            field.queryset = users_assignable_by(request.user)  # type: ignore[arg-type]


class ImportRowErrorSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()

    class Meta:
        model = ImportRowError
        fields = ["id", "row_number", "level", "column", "code", "message", "value"]

    def get_message(self, obj) -> str:
        return error_message(obj.code)


class ImportRowMatchSerializer(serializers.ModelSerializer):
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = ImportRowMatch
        fields = [
            "id",
            "row_number",
            "account_id",
            "account_name",
            "reason",
            "reason_display",
            "action",
        ]
        read_only_fields = fields


class ImportMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportMapping
        fields = ["id", "name", "kind", "mapping", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
