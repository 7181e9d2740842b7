"""The set-based claims of the robots' dispatch: which reminders go to which channel.

Each claim is a few statements in one transaction: the candidate (channel, reminder) pairs
into a temporary table, one message (batch) per channel that has any, then the deliveries
with INSERT … ON CONFLICT DO NOTHING on the unique (webhook, reminder). A second run, a second
worker or a retry inserts nothing twice: a pair another transaction claimed first conflicts
(PostgreSQL waits for that transaction, then skips the row), and a batch left empty that way
is deleted before commit. Values always travel as parameters.
"""

import datetime

from django.db import connection

# Who a channel reaches: a user's robot its user; a team's robot the team's active members.
_PAIRS = """
    CREATE TEMP TABLE robots_pairs ON COMMIT DROP AS
    SELECT w.id AS webhook_id, r.id AS reminder_id
    FROM robots_robotwebhook w
    JOIN crm_user u ON u.is_active AND (u.id = w.user_id OR u.team_id = w.team_id)
    JOIN visits_reminder r ON r.recipient_id = u.id
    LEFT JOIN accounts_account a ON a.id = r.account_id
    LEFT JOIN visits_occasion o ON o.id = r.occasion_id
    WHERE w.active
      AND r.status = 'open'
      AND r.remind_on <= %(day)s
      AND (r.snoozed_until IS NULL OR r.snoozed_until <= %(day)s)
      AND (NOT %(urgent_only)s OR {urgent})
      AND NOT EXISTS (
          SELECT 1 FROM robots_robotdelivery d
          WHERE d.webhook_id = w.id AND d.reminder_id = r.id)
"""

# Urgent: a planned visit overdue; a planned visit to an A account today or tomorrow; a
# contact's birthday today (its gift or greeting reminder).
URGENT = """
    r.kind = 'visit_overdue'
    OR (r.kind = 'visit_tomorrow' AND a.tier = 'A' AND r.date <= %(day)s + 1)
    OR (r.kind IN ('gift', 'greeting') AND o.kind = 'birthday' AND r.date = %(day)s)
"""
PAIRS = _PAIRS.replace("{urgent}", f"({URGENT})")

# Channels with overdue commitments get a digest even without a reminder (digest only).
MESSAGES = """
    INSERT INTO robots_robotmessage
        (webhook_id, kind, date, state, attempts, parts_sent, next_attempt_at,
         last_error, answer, created_at)
    SELECT id, %(kind)s, %(day)s, 'pending', 0, 0, now(), '', '', now()
    FROM (
        SELECT DISTINCT webhook_id FROM robots_pairs
        UNION
        SELECT w.id FROM robots_robotwebhook w
        WHERE %(with_commitments)s AND w.active AND EXISTS (
        SELECT 1 FROM crm_user u
        WHERE u.is_active AND (u.id = w.user_id OR u.team_id = w.team_id)
          AND EXISTS (
              SELECT 1 FROM commitments_commitment c
              WHERE c.owner_id = u.id AND c.status = 'open' AND c.due_date < %(day)s))
    ) AS channels (id)
    ON CONFLICT DO NOTHING
    RETURNING id
"""


def _claim(day: datetime.date, kind: str) -> list[int]:
    params: dict[str, datetime.date | str | bool] = {
        "day": day,
        "kind": kind,
        "urgent_only": kind == "urgent",
        "with_commitments": kind == "digest",
    }
    with connection.cursor() as cursor:
        cursor.execute(PAIRS, params)
        cursor.execute(MESSAGES, params)
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            cursor.execute("DROP TABLE robots_pairs")
            return []
        cursor.execute(
            """
            INSERT INTO robots_robotdelivery (webhook_id, reminder_id, message_id, created_at)
            SELECT p.webhook_id, p.reminder_id, m.id, now()
            FROM robots_pairs p
            JOIN robots_robotmessage m ON m.webhook_id = p.webhook_id AND m.id = ANY(%(ids)s)
            ON CONFLICT DO NOTHING
            """,
            {"ids": ids},
        )
        # An urgent batch whose every reminder another run claimed first says nothing.
        if kind == "urgent":
            cursor.execute(
                """
                DELETE FROM robots_robotmessage m
                WHERE m.id = ANY(%(ids)s) AND NOT EXISTS (
                    SELECT 1 FROM robots_robotdelivery d WHERE d.message_id = m.id)
                RETURNING id
                """,
                {"ids": ids},
            )
            gone = {row[0] for row in cursor.fetchall()}
            ids = [i for i in ids if i not in gone]
        cursor.execute("DROP TABLE robots_pairs")
    return ids


def claim_urgent(day: datetime.date) -> list[int]:
    """New urgent batches (one per channel with urgent reminders not yet sent there)."""
    return _claim(day, "urgent")


def claim_digest(day: datetime.date) -> list[int]:
    """The day's digest batches, one per channel with anything to say (reminders showing
    that were not sent there yet, or overdue commitments); none twice a day (a unique
    constraint on channel and day)."""
    return _claim(day, "digest")


# --- history purge ---------------------------------------------------------------------------

# A delivery older than the cut-off goes only when its reminder can never be sent again: gone,
# or no longer open and dated before today (a reminder reopens only as an "accounts
# reassigned" notification of today: visits.services.reminders). An open one keeps its
# delivery however old, or the next dispatch would send it again.
PURGE_DELIVERIES = """
    DELETE FROM robots_robotdelivery
    WHERE id IN (
        SELECT d.id
        FROM robots_robotdelivery d
        LEFT JOIN visits_reminder r ON r.id = d.reminder_id
        WHERE d.created_at < %(cutoff)s
          AND (r.id IS NULL OR (r.status <> 'open' AND r.date < %(today)s))
        LIMIT %(chunk)s
    )
"""

# A batch goes once it is settled (sent, failed or skipped: a pending one is still to be
# retried), older than the cut-off, of a past day, and without deliveries left (deleting it
# would cascade to them).
PURGE_MESSAGES = """
    DELETE FROM robots_robotmessage
    WHERE id IN (
        SELECT m.id
        FROM robots_robotmessage m
        WHERE m.created_at < %(cutoff)s
          AND m.state <> 'pending'
          AND m.date < %(today)s
          AND NOT EXISTS (SELECT 1 FROM robots_robotdelivery d WHERE d.message_id = m.id)
        LIMIT %(chunk)s
    )
"""


def purge_chunk(
    statement: str, *, cutoff: datetime.datetime, today: datetime.date, chunk: int
) -> int:
    """Delete at most `chunk` rows by one of the purge statements; how many were deleted."""
    with connection.cursor() as cursor:
        cursor.execute(statement, {"cutoff": cutoff, "today": today, "chunk": chunk})
        return cursor.rowcount
