"""Raw SQL of the accounts app that the ORM cannot say in one statement; values always as
parameters."""

# Reassign the accounts chosen by a subquery (`{chosen}`, which selects ids) to a new owner
# and write one audit entry per account, in one statement: the rows are locked, updated,
# audited with their old owner and the reason, and returned as (id, old owner id).
# Parameters: *chosen's parameters, new owner (x2), updated_at, actor, new owner, reason,
# created_at.
BULK_REASSIGN = """
WITH chosen AS (
    SELECT id, owner_id FROM accounts_account
    WHERE id IN ({chosen}) AND owner_id <> %s
    ORDER BY id
    FOR UPDATE
), moved AS (
    UPDATE accounts_account a SET owner_id = %s, updated_at = %s
    FROM chosen
    WHERE a.id = chosen.id
    RETURNING a.id, chosen.owner_id AS old_owner_id, a.name
), audited AS (
    INSERT INTO crm_auditentry
        (actor_id, action, model, object_id, object_repr, account_id, changes, created_at)
    SELECT %s, 'reassign', 'accounts.Account', moved.id::text, left(moved.name, 200), moved.id,
           jsonb_build_object(
               'owner', jsonb_build_array(moved.old_owner_id, %s::bigint),
               '_extra', jsonb_build_object('reason', %s::text)
           ),
           %s
    FROM moved
)
SELECT id, old_owner_id FROM moved ORDER BY id
"""

# Whether contact %(contact)s is reached by walking up the reports-to chain from contact
# %(start)s (itself included): if so, making %(contact)s report to %(start)s closes a cycle.
# The depth limit stops a walk over a cycle that older data might hold.
REPORTS_TO_REACHES = """
WITH RECURSIVE up (id, reports_to_id, depth) AS (
    SELECT id, reports_to_id, 1 FROM accounts_contact WHERE id = %(start)s
    UNION ALL
    SELECT c.id, c.reports_to_id, up.depth + 1
    FROM accounts_contact c JOIN up ON c.id = up.reports_to_id
    WHERE up.depth < 10000
)
SELECT EXISTS (SELECT 1 FROM up WHERE id = %(contact)s)
"""

# Whether the chain of parents from an account (first parameter) upwards reaches another
# (second parameter): setting the second's parent to the first would then make a cycle. UNION
# (not UNION ALL) stops on a cycle already in the data instead of looping.
PARENT_CHAIN_HAS = """
WITH RECURSIVE chain(id) AS (
    SELECT %s::bigint
    UNION
    SELECT a.parent_id FROM accounts_account a JOIN chain ON a.id = chain.id
    WHERE a.parent_id IS NOT NULL
)
SELECT EXISTS (SELECT 1 FROM chain WHERE id = %s)
"""
