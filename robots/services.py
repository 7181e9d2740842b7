"""Writes of the robots app: managing robots, the dispatch (claiming what goes where), sending
one batch, and the test message.

Sending holds the batch's row lock (SELECT … FOR UPDATE SKIP LOCKED) while its request goes
out and marks it in the same transaction, so a second worker skips it and a retry never
resends a batch the platform accepted; a batch split in parts remembers the parts already
accepted and resumes after them.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commitments.models import Commitment
from core.audit import audit_log
from crm.models import Team, User
from robots import platforms, sql
from robots.markdown import Section, escape, split_text
from robots.models import Platform, RobotMessage, RobotWebhook
from robots.selectors import robot_get_visible, robot_teams_for
from visits.models import Reminder, ReminderRun
from visits.selectors import reminder_groups, reminders_in_group_order
from visits.services.reminders import digests_due

# Backoff is capped so a long outage is retried at least hourly until attempts run out.
MAX_BACKOFF_SECONDS = 3600


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "CRM_ROBOTS_MAX_ATTEMPTS", 6)))


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most an hour."""
    base = int(getattr(settings, "CRM_ROBOTS_RETRY_BACKOFF_SECONDS", 30))
    return int(min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


# --- managing robots -------------------------------------------------------------------------


def _owner_for(actor: User, team: Team | None) -> dict:
    if team is None:
        return {"user": actor, "team": None}
    if not robot_teams_for(actor).filter(pk=team.pk).exists():
        raise ValidationError(
            {"owner": _("You can only add robots for yourself or for a team you manage.")}
        )
    return {"user": None, "team": team}


def _clean(platform: str, name: str, url: str, secret: str) -> None:
    errors: dict[str, list[str]] = {}
    if platform not in Platform.values:
        errors["platform"] = [_("Choose WeCom, DingTalk or Feishu.")]
    if not name.strip():
        errors["name"] = [_("Give the robot a name.")]
    if platform in Platform.values:
        try:
            platforms.validate_url(platform, url)
        except ValidationError as exc:
            errors["url"] = exc.messages
    if secret and platform == Platform.WECOM:
        errors["secret"] = [_("WeCom robots have no signing secret; leave it empty.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def robot_create(
    *,
    actor: User,
    platform: str,
    name: str,
    url: str,
    secret: str = "",
    team: Team | None = None,
    active: bool = True,
) -> RobotWebhook:
    url, secret, name = url.strip(), secret.strip(), name.strip()
    owner = _owner_for(actor, team)
    _clean(platform, name, url, secret)
    robot = RobotWebhook.objects.create(
        platform=platform,
        name=name,
        url=url,
        secret=secret,
        active=active,
        created_by=actor,
        **owner,
    )
    audit_log(actor=actor, action="create", instance=robot, extra={"platform": platform})
    return robot


@transaction.atomic
def robot_update(
    *,
    actor: User,
    robot: RobotWebhook,
    name: str,
    url: str = "",
    secret: str = "",
    clear_secret: bool = False,
    active: bool = True,
) -> RobotWebhook:
    """Update a robot `actor` manages. An empty `url` or `secret` keeps the stored one (they
    are never shown back); `clear_secret` removes the secret."""
    locked = RobotWebhook.objects.select_for_update().filter(pk=robot.pk).first()
    if locked is None or robot_get_visible(actor, robot.pk) is None:
        raise PermissionDenied
    new_url = url.strip() or locked.url
    new_secret = "" if clear_secret else (secret.strip() or locked.secret)
    _clean(locked.platform, name, new_url, new_secret)
    changed = {
        field
        for field, value in (
            ("name", name.strip()),
            ("url", new_url),
            ("secret", new_secret),
            ("active", active),
        )
        if getattr(locked, field) != value
    }
    locked.name, locked.url, locked.secret, locked.active = (
        name.strip(),
        new_url,
        new_secret,
        active,
    )
    if changed & {"url", "secret", "active"}:
        locked.consecutive_failures = 0  # a repaired robot starts afresh
    locked.save()
    # Secrets and URLs are credentials: the audit says that they changed, never what to.
    audit_log(actor=actor, action="update", instance=locked, extra={"changed": sorted(changed)})
    return locked


@transaction.atomic
def robot_delete(*, actor: User, robot: RobotWebhook) -> None:
    if robot_get_visible(actor, robot.pk) is None:
        raise PermissionDenied
    audit_log(actor=actor, action="delete", instance=robot, extra={"platform": robot.platform})
    robot.delete()


def _note_result(robot_id: int, error: str | None) -> None:
    now = timezone.now()
    if error is None:
        RobotWebhook.objects.filter(pk=robot_id).update(
            last_success_at=now, consecutive_failures=0, last_error=""
        )
    else:
        RobotWebhook.objects.filter(pk=robot_id).update(
            last_failure_at=now,
            consecutive_failures=F("consecutive_failures") + 1,
            last_error=error[:300],
        )


def robot_test_send(*, actor: User, robot: RobotWebhook) -> str:
    """Send a test message now; return the platform's answer or raise ValidationError with
    its error (noted on the robot either way). Not atomic: the request is outside any lock."""
    if robot_get_visible(actor, robot.pk) is None:
        raise PermissionDenied
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        title = _("CRM test message")
        text = "### {}\n{}\n".format(
            title,
            _("%(user)s connected the robot “%(robot)s”. Reminders will arrive here.")
            % {
                "user": escape(actor.get_full_name() or actor.username),
                "robot": escape(robot.name),
            },
        )
    try:
        answer = platforms.send(
            platform=robot.platform, url=robot.url, secret=robot.secret, title=title, text=text
        )
    except (platforms.RobotError, ValidationError) as exc:
        error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _note_result(robot.pk, error)
        raise ValidationError(error) from None
    _note_result(robot.pk, None)
    audit_log(actor=actor, action="test", instance=robot)
    return answer


# --- dispatch --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    urgent: list[int]
    digest: list[int]
    retries: list[int]

    @property
    def message_ids(self) -> list[int]:
        return [*self.urgent, *self.digest, *self.retries]


def digest_ready(day: datetime.date, now: datetime.datetime) -> bool:
    """The digest goes out once the day's reminder run has finished and the digest hour
    (the visits settings') has come."""
    finished = ReminderRun.objects.filter(date=day, finished_at__isnull=False).exists()
    return finished and digests_due(now=now)


@transaction.atomic
def robots_dispatch(
    *, day: datetime.date, now: datetime.datetime | None = None, digest: bool | None = None
) -> Dispatch:
    """Claim the urgent batches (and, when due, the day's digest batches) and return the ids
    of the batches to send now: the new ones, and pending ones whose retry time has come and
    whose queued task seems lost (more than CRM_ROBOTS_DISPATCH_SECONDS late)."""
    now = now or timezone.now()
    do_digest = digest_ready(day, now) if digest is None else digest
    # The digest first: urgent reminders that appear with the day's run ride in it (one
    # message per channel); those that appear later go out on their own.
    digests = sql.claim_digest(day) if do_digest else []
    urgent = sql.claim_urgent(day)
    grace = datetime.timedelta(seconds=int(getattr(settings, "CRM_ROBOTS_DISPATCH_SECONDS", 300)))
    fresh = set(urgent) | set(digests)
    retries = [
        pk
        for pk in RobotMessage.objects.filter(
            state=RobotMessage.State.PENDING, next_attempt_at__lte=now - grace
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in fresh
    ]
    return Dispatch(urgent=urgent, digest=digests, retries=retries)


# --- history ---------------------------------------------------------------------------------

# Rows deleted per statement (and transaction): a first purge of a large history never holds
# its locks for long.
PURGE_CHUNK = 10_000


@dataclass(frozen=True)
class Purge:
    deliveries: int
    messages: int


def robots_history_purge(
    *, now: datetime.datetime | None = None, chunk: int = PURGE_CHUNK
) -> Purge:
    """Delete the robots' history older than CRM_ROBOTS_HISTORY_DAYS: deliveries whose
    reminder can never be sent again (sql.PURGE_DELIVERIES: exactly once holds), then the
    settled batches left without deliveries. Set-based, in chunks; running it twice deletes
    nothing more."""
    now = now or timezone.now()
    days = int(settings.CRM_ROBOTS_HISTORY_DAYS)
    cutoff, today = now - datetime.timedelta(days=days), timezone.localdate(now)
    counts = []
    for statement in (sql.PURGE_DELIVERIES, sql.PURGE_MESSAGES):
        total = 0
        while True:
            with transaction.atomic():
                deleted = sql.purge_chunk(statement, cutoff=cutoff, today=today, chunk=chunk)
            total += deleted
            if deleted < chunk:
                break
        counts.append(total)
    return Purge(deliveries=counts[0], messages=counts[1])


# --- one batch -------------------------------------------------------------------------------


def _language(robot: RobotWebhook) -> str:
    if robot.user is not None and robot.user.language:
        return robot.user.language
    return settings.LANGUAGE_CODE


def _rep_sections(
    reminders: list[Reminder], commitments: list[Commitment], with_heading: str
) -> list[Section]:
    sections: list[Section] = []
    for group in reminder_groups(reminders):
        lines = [escape(row["text"]) for row in group.rows]
        sections.append(Section(f"{with_heading}**{escape(group.label)}**", lines))
    if commitments:
        lines = [
            escape(
                _("%(title)s, %(account)s: due %(date)s")
                % {"title": c.title, "account": c.account.name, "date": c.due_date.isoformat()}
            )
            for c in commitments
        ]
        sections.append(Section(f"{with_heading}**{escape(_('Overdue commitments'))}**", lines))
    return sections


def _rep_name(user: User) -> str:
    return user.get_full_name() or user.username


def _rep_name_key(user: User) -> tuple[str, int]:
    return (_rep_name(user), user.pk)


def message_texts(message: RobotMessage) -> tuple[str, list[str]]:
    """The title and the Markdown part(s) of a batch, in the channel's language."""
    robot = message.webhook
    with translation.override(_language(robot)):
        if message.kind == RobotMessage.Kind.DIGEST:
            title = _("CRM reminders for %(day)s") % {"day": message.date.isoformat()}
        else:
            title = _("Urgent CRM reminders, %(day)s") % {"day": message.date.isoformat()}
        reminders = list(
            reminders_in_group_order(
                Reminder.objects.filter(pk__in=message.deliveries.values("reminder_id"))
            ).select_related("account", "contact", "occasion", "recipient")
        )
        by_rep: dict[int, list[Reminder]] = {}
        for reminder in reminders:
            by_rep.setdefault(reminder.recipient_id, []).append(reminder)
        recipients = {r.recipient_id: r.recipient for r in reminders}
        if message.kind == RobotMessage.Kind.DIGEST:
            members = (
                [robot.user]
                if robot.user is not None
                else list(User.objects.filter(team_id=robot.team_id or 0, is_active=True))
            )
            recipients.update({u.pk: u for u in members if u is not None})
        overdue: dict[int, list[Commitment]] = {}
        if message.kind == RobotMessage.Kind.DIGEST:
            # One query for the channel's reps. The same rows as commitments_open_for(rep,
            # until=the day before) for each rep (an active rep sees every commitment they
            # own), which would cost a query per rep.
            for commitment in (
                Commitment.objects.overdue(message.date)
                .filter(owner_id__in=list(recipients))
                .select_related("account")
                .order_by("due_date", "due_time", "id")
            ):
                overdue.setdefault(commitment.owner_id, []).append(commitment)
        sections: list[Section] = []
        for user in sorted(recipients.values(), key=_rep_name_key):
            rep, owed = by_rep.get(user.pk, []), overdue.get(user.pk, [])
            if not rep and not owed:
                continue
            if robot.team_id is not None:
                sections.append(Section(f"#### {escape(_rep_name(user))}", []))
            sections.extend(_rep_sections(rep, owed, ""))
        if not sections:
            return title, []
        return title, split_text(
            title, sections, limit=platforms.TEXT_LIMITS[Platform(robot.platform)]
        )


@dataclass(frozen=True)
class SendResult:
    sent: bool
    retry_in: int | None = None


def robot_message_send(*, message_id: int, now: datetime.datetime | None = None) -> SendResult:
    """Send one pending batch (every part not yet accepted). A failure is noted on the batch
    and the robot and answered with the wait before the next attempt, or marks the batch
    failed once CRM_ROBOTS_MAX_ATTEMPTS attempts are spent. A failing robot never raises here,
    so a caller sending many batches goes on with the next."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            RobotMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook", "webhook__user")
            .filter(pk=message_id, state=RobotMessage.State.PENDING)
            .first()
        )
        if message is None:
            return SendResult(sent=False)  # done, given up, or another worker has it
        if message.next_attempt_at and message.next_attempt_at > now:
            return SendResult(
                sent=False, retry_in=int((message.next_attempt_at - now).total_seconds()) + 1
            )
        robot = message.webhook
        title, parts = message_texts(message)
        if not robot.active or not parts:
            message.state = RobotMessage.State.SKIPPED
            message.save(update_fields=["state"])
            return SendResult(sent=False)
        message.attempts += 1
        try:
            for part in parts[message.parts_sent :]:
                message.answer = platforms.send(
                    platform=robot.platform,
                    url=robot.url,
                    secret=robot.secret,
                    title=title,
                    text=part,
                )
                message.parts_sent += 1
        except (platforms.RobotError, ValidationError) as exc:
            error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            message.last_error = error[:300]
            retry_in: int | None = backoff_seconds(message.attempts)
            if message.attempts >= _max_attempts():
                message.state, retry_in = RobotMessage.State.FAILED, None
                message.next_attempt_at = None
            else:
                message.next_attempt_at = now + datetime.timedelta(seconds=retry_in or 0)
            message.save()
            _note_result(robot.pk, error)
            return SendResult(sent=False, retry_in=retry_in)
        message.state = RobotMessage.State.SENT
        message.sent_at = timezone.now()
        message.next_attempt_at = None
        message.last_error = ""
        message.save()
        _note_result(robot.pk, None)
    return SendResult(sent=True)


def _send_in_thread(message_id: int) -> SendResult:
    try:
        return robot_message_send(message_id=message_id)
    finally:
        connection.close()  # each thread has its own connection; give it back


def robots_deliver_now(
    *, day: datetime.date, digest: bool | None = None, threads: int = 1
) -> tuple[int, int]:
    """Dispatch and send every batch in this process (the command and the benchmark; the
    beat uses a task per batch): one after the other, or on `threads` threads, each batch on
    its own so a failing robot never holds up the others. Returns (sent, failed)."""
    dispatch = robots_dispatch(day=day, digest=digest)
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(_send_in_thread, dispatch.message_ids))
    else:
        results = [robot_message_send(message_id=pk) for pk in dispatch.message_ids]
    sent = sum(r.sent for r in results)
    failed = sum(not r.sent and r.retry_in is not None for r in results)
    return sent, failed
