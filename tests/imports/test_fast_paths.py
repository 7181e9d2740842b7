"""What the speed work must not change: values that need escaping on their way through the
staging tables, files that turn out unreadable halfway, the fast paths of the cleaners
(they must give what the full cleaners give), and a code written outside the imports while
one runs."""

import threading
import time

import psycopg
import pytest
from django.core.validators import EmailValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Account, Contact, Order
from accounts.normalize import uscc_check_char
from imports.upload import cleaning as c
from tests.factories import AccountFactory
from tests.imports.conftest import db_state, run_import, write_csv
from tests.imports.conftest import tests_database_url as database_url


@pytest.mark.django_db
def test_tabs_line_breaks_quotes_and_backslashes_survive_the_staging_tables(tmp_path, admin):
    address = 'Tab\there "quoted" back\\slash \\N'
    notes = "line one\nline two\r\nline three\rend \\. \\t"
    rows = [
        ["客户名称", "地址", "备注", "联系人", "职务"],
        ["Escapes Ltd", address, notes, "Li\\Na", "Head\tof sales"],
    ]
    batch = run_import(write_csv(tmp_path / "escapes.csv", rows), actor=admin)
    assert batch.status == "done", batch.message
    account = Account.objects.get(name="Escapes Ltd")
    assert (account.address, account.notes) == (address, notes)
    assert list(account.contacts.values_list("name", "title")) == [("Li\\Na", "Head\tof sales")]


@pytest.mark.django_db
def test_a_file_unreadable_halfway_is_rejected_and_nothing_is_written(tmp_path, admin):
    # Valid UTF-8 for far more than the sample that chooses the encoding, then a byte that
    # is not: the error comes while the rows are being copied into the staging tables.
    path = tmp_path / "halfway.csv"
    good = "".join(f"公司{i}有限公司,联系人{i}\n" for i in range(30_000))
    path.write_bytes(("客户名称,联系人\n" + good).encode("utf-8") + b"\xff\xfe,x\n")
    before = db_state()
    batch = run_import(path, actor=admin)
    assert batch.status == "failed"
    assert "cannot be read as utf-8 after row" in batch.message
    assert db_state() == before


@settings(max_examples=300, deadline=None)
@given(st.from_regex(c._PLAIN_EMAIL, fullmatch=True).filter(lambda v: len(v) <= 254))
def test_every_address_the_fast_path_takes_is_one_the_validator_accepts(value):
    EmailValidator()(value)
    assert c.email(value) == value


_PLAIN = st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,6})?", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(_PLAIN, st.sampled_from([(2, 16), (3, 14), (4, 16)]))
def test_plain_numbers_give_what_the_full_cleaner_gives(value, precision):
    places, digits = precision

    def clean(raw):
        try:
            return c.decimal(raw, places=places, max_digits=digits)
        except c.CellError as exc:
            return exc.code

    # A leading space is folded away by the full cleaner, and keeps the fast path out.
    assert clean(value) == clean(" " + value)


def test_a_memo_cleans_each_value_once_and_forgets_when_full():
    calls = []

    def clean(raw):
        calls.append(raw)
        if raw == "bad":
            raise c.CellError("number_invalid")
        return raw.upper()

    memo = c.Memo(clean, limit=2)
    assert (memo["a"], memo["a"]) == ("A", "A")
    failed = memo["bad"]
    assert (type(failed), failed.code) == (c.Failed, "number_invalid")
    assert memo["c"] == "C"  # the memo was full: it starts again
    assert (calls, sorted(memo)) == (["a", "bad", "c"], ["c"])


@pytest.mark.django_db
def test_quantity_times_price_beyond_the_amount_column_is_an_error(tmp_path, admin):
    AccountFactory(name="Big Spender", external_code="C001")
    rows = [["客户编号", "日期", "数量", "单价"], ["C001", "2024-01-01", "99999999999", "99999999"]]
    before = db_state()
    batch = run_import(write_csv(tmp_path / "big.csv", rows), actor=admin, kind="orders")
    assert batch.status == "failed"
    assert db_state() == before
    assert list(batch.row_errors.values_list("row_number", "code")) == [(2, "number_too_big")]


@pytest.mark.django_db(transaction=True)
def test_an_account_written_outside_the_imports_meanwhile_stops_the_import(tmp_path, admin):
    """A user saves an account with the file's customer code while the import runs: the
    check did not see it (not yet committed), the insert waits for it, then stops."""
    rows = [["客户名称", "客户编号", "联系人"], ["Late Co", "C001", "Wang"], ["Other Co", "", "Li"]]
    path = write_csv(tmp_path / "late.csv", rows)
    outsider = psycopg.connect(database_url())
    outsider.execute(
        "INSERT INTO accounts_account (name, normalized_name, external_code, industry, "
        "channel, lifecycle, source, owner_id, address, phone, website, notes, tier, "
        "created_at, updated_at) VALUES ('Saved By Hand', 'savedbyhand', 'C001', '', "
        "'direct', 'potential', 'other', %s, '', '', '', '', '', now(), now())",
        [admin.pk],
    )
    watcher = psycopg.connect(database_url(), autocommit=True)

    def commit_once_the_import_waits():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'INSERT INTO accounts_account%%'"
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
        outsider.commit()

    thread = threading.Thread(target=commit_once_the_import_waits)
    thread.start()
    try:
        batch = run_import(path, actor=admin)
    finally:
        thread.join(timeout=90)
        outsider.close()
        watcher.close()
    assert batch.status == "failed"
    assert "changed by someone else" in batch.message
    assert list(Account.objects.values_list("name", flat=True)) == ["Saved By Hand"]
    assert not Contact.objects.exists()
    assert not Order.objects.exists()


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@settings(max_examples=300, deadline=None)
@given(
    st.text(_USCC_CHARS, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(_USCC_CHARS, min_size=9, max_size=9),
    st.sampled_from(_USCC_CHARS),
)
def test_credit_codes_taking_the_fast_path_get_what_the_full_check_gives(head, region, rest, other):
    def clean(raw):
        try:
            return c.uscc(raw)
        except c.CellError as exc:
            return exc.code

    body = head + region + rest
    for code in (body + uscc_check_char(body), body + other):
        # A leading space keeps the fast path out; the full check strips it.
        assert clean(code) == clean(" " + code)
    assert clean(body + uscc_check_char(body)) == body + uscc_check_char(body)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("张三 ;；、\n|/ab1")))
def test_cells_without_a_separator_split_as_the_full_pattern_splits_them(value):
    assert c.split_multi(value) == [part for part in c._MULTI.split(value) if part]


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=1, max_size=15))
def test_phones_of_digits_only_get_the_key_the_full_folding_gives(digits):
    # A blank is folded away; it keeps the digits-only path out.
    assert c.phone_key(digits) == c.phone_key(" " + digits)


@pytest.mark.django_db
@settings(max_examples=200, deadline=None)
@given(st.text(" -()+.\u3000（）0123456789x86", max_size=20))
def test_the_sql_phone_key_folds_a_stored_phone_as_the_cleaner_does(phone):
    """Stored phones are matched in SQL against keys cleaned in Python: the two must agree."""
    from django.db import connection

    from imports.engine.staging import Staging

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {Staging.phone_key_sql('p')} FROM (SELECT %s::text AS p) t", [phone]
        )
        in_sql = cursor.fetchone()[0]
    key = c.phone_key(phone)
    if key is None:  # too short to match: the SQL key is short too, so it matches nothing
        assert len(in_sql) < 5
    else:
        assert in_sql == key


@pytest.mark.django_db
def test_staging_statistics_take_a_small_sample_and_leave_the_session_as_it_was():
    from django.db import connection, transaction

    from imports.engine.staging import STAGING_STATISTICS, Staging

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        before = cursor.fetchone()[0]
        staging = Staging()
        staging.create("imp_stats", "n integer")
        cursor.execute("INSERT INTO imp_stats SELECT generate_series(1, 5000)")
        staging.analyze()
        cursor.execute(
            "SELECT cardinality(histogram_bounds::text::int[]) FROM pg_stats "
            "WHERE tablename = 'imp_stats' AND attname = 'n'"
        )
        assert cursor.fetchone()[0] == STAGING_STATISTICS + 1
        cursor.execute("SHOW default_statistics_target")
        assert cursor.fetchone()[0] == before
        staging.drop()
