"""Import batches of legacy customer lists and order history, their row errors, the
before-images that make a batch undoable, and saved column mappings."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def stale_cutoff():
    """Runs with no sign of life since this moment have stopped (their process died)."""
    return timezone.now() - timedelta(seconds=settings.CRM_IMPORT_STALE_SECONDS)


class ImportBatchQuerySet(models.QuerySet):
    def stale(self) -> "ImportBatchQuerySet":
        """Checks, imports and undos taken by a process that has shown no sign of life
        (heartbeat, else start) for CRM_IMPORT_STALE_SECONDS: that process died, and with it
        the transaction that held everything the run wrote."""
        cutoff = stale_cutoff()
        taken = Q(status=ImportBatch.Status.RUNNING) | (
            Q(status__in=[ImportBatch.Status.VALIDATING, ImportBatch.Status.UNDOING])
            & ~Q(phase="queued")
        )
        silent = (
            Q(heartbeat_at__lt=cutoff)
            | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
            | Q(heartbeat_at__isnull=True, started_at__isnull=True)
        )
        return self.filter(taken & silent)


class ImportBatch(models.Model):
    """One file brought in by an admin; accounts and orders it created point back to it."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        ORDERS = "orders", _("Orders")
        # Kinds a higher app runs (imports.registry): opportunities registers both.
        OPPORTUNITIES = "opportunities", _("Opportunities")
        TARGETS = "targets", _("Targets")
        # receivables registers payments.
        PAYMENTS = "payments", _("Payments")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        VALIDATING = "validating", _("Checking")
        READY = "ready", _("Checked")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    class Mode(models.TextChoices):
        CREATE = "create", _("Create only (existing records are errors)")
        UPDATE = "update", _("Create new and update existing")
        SKIP = "skip", _("Create new and skip existing")

    class OnError(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: one bad row stops the import")
        SKIP_BAD_ROWS = "skip_bad_rows", _("Import the good rows, reject the bad ones")

    class InvalidPhones(models.TextChoices):
        NOTE = "note", _("Keep its text in the note (a warning)")
        DROP = "drop", _("Leave it out (a warning)")

    class UnknownChoices(models.TextChoices):
        EMPTY = "empty", _("Leave the cell empty (a warning)")
        OTHER = "other", _("Set it to Other (a warning)")

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (.xlsx)"
        XLS = "xls", "Excel 97-2003 (.xls)"

    # A batch being undone is still in effect (its rows are there until the undo commits).
    ACTIVE = (Status.VALIDATING, Status.QUEUED, Status.RUNNING, Status.UNDOING)

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    file_format = models.CharField(
        _("file format"), max_length=10, choices=FileFormat.choices, blank=True
    )
    encoding = models.CharField(
        _("encoding"), max_length=40, blank=True, help_text=_("CSV only; empty: detect.")
    )
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=255, blank=True)
    sheet_names = models.JSONField(_("sheets"), default=list, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    # The folded headers in order (fields.header_signature): a later file with the same
    # columns is offered the mapping this batch last used (mapping_from).
    header_signature = models.CharField(_("header signature"), max_length=64, blank=True)
    mapping_from = models.ForeignKey(
        "self",
        verbose_name=_("mapping offered from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sample_rows = models.JSONField(_("first rows"), default=list, blank=True)
    mapping = models.JSONField(
        _("column mapping"),
        default=list,
        blank=True,
        help_text=_("One target field per column, in column order; empty: ignored."),
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.SKIP)
    on_error = models.CharField(
        _("on errors"), max_length=20, choices=OnError.choices, default=OnError.ALL_OR_NOTHING
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of new accounts"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invalid_phones = models.CharField(
        _("a phone cell that is not a phone"),
        max_length=10,
        choices=InvalidPhones.choices,
        default=InvalidPhones.NOTE,
    )
    # An unknown channel, buying role or account type (optional choices): left empty, or
    # set to "other". Never a rejected row.
    unknown_choices = models.CharField(
        _("an unknown channel or buying role"),
        max_length=10,
        choices=UnknownChoices.choices,
        default=UnknownChoices.EMPTY,
    )
    create_missing_accounts = models.BooleanField(
        _("create missing accounts"),
        default=False,
        help_text=_("Orders only: create an account for an unknown account name."),
    )
    phase = models.CharField(_("phase"), max_length=30, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_("Written while a check, import or undo runs, with its progress."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    # Set when the undo is asked for (the run acts as this user), cleared if it fails.
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [
            models.Index(fields=["created_by", "created_at"], name="importbatch_creator"),
            models.Index(fields=["file_sha256"], name="importbatch_sha256"),
            models.Index(fields=["kind", "header_signature"], name="importbatch_headers"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_stale(self) -> bool:
        """Taken by a process that has shown no sign of life for CRM_IMPORT_STALE_SECONDS
        (the same rule as ImportBatch.objects.stale())."""
        taken = self.status == self.Status.RUNNING or (
            self.status in (self.Status.VALIDATING, self.Status.UNDOING) and self.phase != "queued"
        )
        if not taken:
            return False
        last = self.last_sign_of_life
        return last is None or last < stale_cutoff()

    @property
    def last_sign_of_life(self):
        return self.heartbeat_at or self.started_at

    @property
    def is_editable(self) -> bool:
        """Mapping and options may change until the batch is committed (a failed commit
        wrote nothing, so it may be fixed and run again)."""
        return self.status in (self.Status.PENDING, self.Status.READY, self.Status.FAILED)


class ImportRowError(models.Model):
    """Why one row (or one cell) of a file was rejected, or (level "warning") what was done
    with a cell that could not be kept as it was, without rejecting its row. The message is
    built from `code` at display time, in the reader's language."""

    class Level(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="row_errors"
    )
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    code = models.CharField(_("reason"), max_length=40)
    value = models.CharField(_("value"), max_length=255, blank=True)
    level = models.CharField(
        _("level"),
        max_length=10,
        choices=Level.choices,
        default=Level.ERROR,
        db_default=Level.ERROR,  # the engine's INSERT … SELECT of errors leaves it out
    )

    class Meta:
        ordering = ["batch", "row_number", "id"]
        verbose_name = _("row error")
        verbose_name_plural = _("row errors")
        indexes = [models.Index(fields=["batch", "row_number"], name="importrowerror_batch_row")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.column} {self.code}"


class ImportRowMatch(models.Model):
    """A row of the file that matched an existing account in the batch's last check or
    import, and why (the first matcher that found it). The account is kept by id, without a
    foreign key (deleting accounts, as an undo does, need not look here); its name as it was."""

    class Reason(models.TextChoices):
        USCC = "uscc", _("credit code")
        CODE = "code", _("customer code")
        NAME = "name", _("name")
        PHONE = "phone", _("company phone")
        CONTACT_EMAIL = "contact_email", _("a contact's email")
        CONTACT_PHONE = "contact_phone", _("a contact's phone")
        EXTERNAL_ID = "external_id", _("record id in the source system")

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="row_matches"
    )
    row_number = models.PositiveIntegerField(_("row"))
    account_id = models.BigIntegerField(_("account"))
    account_name = models.CharField(_("account name"), max_length=255, blank=True)
    reason = models.CharField(_("matched by"), max_length=20, choices=Reason.choices)
    action = models.CharField(_("action"), max_length=20, blank=True)

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("matched row")
        verbose_name_plural = _("matched rows")
        indexes = [models.Index(fields=["batch", "row_number"], name="importrowmatch_batch_row")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.reason} {self.account_id}"


class ImportBeforeImage(models.Model):
    """The whole row of an account or contact as it was before a batch updated it."""

    class Model(models.TextChoices):
        ACCOUNT = "account", _("Account")
        CONTACT = "contact", _("Contact")
        # Rows of the kinds a higher app registers (imports.registry).
        OPPORTUNITY = "opportunity", _("Opportunity")
        TARGET = "target", _("Target")

    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        related_name="before_images",
    )
    model = models.CharField(_("model"), max_length=20, choices=Model.choices)
    object_id = models.BigIntegerField(_("object id"))
    data = models.JSONField(_("data"))

    class Meta:
        ordering = ["batch", "model", "object_id"]
        verbose_name = _("before-image")
        verbose_name_plural = _("before-images")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "model", "object_id"], name="importbeforeimage_once"
            )
        ]
        indexes = [models.Index(fields=["model", "object_id"], name="importbeforeimage_object")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.model} {self.object_id}"


class ImportMapping(models.Model):
    """A saved column mapping (header text → target field) to reuse for the next file."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportBatch.Kind.choices)
    mapping = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="importmapping_kind_name")
        ]

    def __str__(self) -> str:
        return self.name
