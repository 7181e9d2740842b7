"""Searching accounts by name: one rule (account_name_search_q), served by one trigram index.

An account is found when its name contains the query (any case) or its normalized name
contains the normalized query. The rule tests only normalized names, through the text that
`name_search_narrowing` keeps of the query; these tests hold it to the definition."""

import pytest
from django.db.models import Q
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Account
from accounts.normalize import name_search_narrowing, normalize_account_name
from accounts.selectors import account_name_search_q
from tests.factories import AccountFactory
from tests.plans import plan_of

NAMES = [
    "上海华信机械有限公司",
    "上海华信机械股份有限公司",
    "万达集团有限公司",
    "万达集团股份有限公司",
    "华为技术有限公司深圳分公司",
    "（北京）东方电子有限责任公司",
    "富有实业公司",
    "ＡＢＣ  Trading Co., Ltd.",
    "Acme Inc.",
    "Beta Foods Limited",
    "Gamma GmbH",
    "Delta Co",
    "宏达电子有限公司 Ltd",
    "公司",
    "有限公司",
]


def found_by_definition(name: str, query: str) -> bool:
    normalized = normalize_account_name(query)
    return query.upper() in name.upper() or bool(
        normalized and normalized in normalize_account_name(name)
    )


def queries_for(name: str):
    """Every piece of the name, and a few spellings of each: what a user could type."""
    for start in range(len(name)):
        for end in range(start + 1, len(name) + 1):
            piece = name[start:end]
            yield piece
            yield piece.upper()
            yield piece.strip() + " 有限公司"


@pytest.mark.parametrize(
    ("query", "narrowing"),
    [
        ("宏达 电子", "宏达电子"),
        ("万达集团", "万达"),  # 集团有限公司 is a legal form
        ("华为技术有限公司", "华为技术"),
        ("深圳分", "深圳"),
        ("Apple Inc", "apple"),
        ("le in", "le"),  # "in" may begin "inc"
        ("公司", ""),  # all of it could be a legal form: nothing to narrow by
        ("Ltd.", ""),
        ("x" * 256, ""),  # longer than any normalized name: not narrowed
    ],
)
def test_narrowing_cuts_what_could_reach_into_the_legal_forms(query, narrowing):
    assert name_search_narrowing(query) == narrowing


@pytest.mark.parametrize("name", NAMES)
def test_every_match_by_the_definition_contains_the_narrowing(name):
    normalized = normalize_account_name(name)
    for query in queries_for(name):
        if found_by_definition(name, query):
            assert name_search_narrowing(query) in normalized, (name, query)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    query=st.text(alphabet="华信机械有限公司集团股份分 .,ABCcoltdinc", max_size=8),
)
def test_narrowing_never_loses_a_match_for_any_query(name, query):
    if found_by_definition(name, query.strip()):
        assert name_search_narrowing(query.strip()) in normalize_account_name(name)


@pytest.mark.django_db
def test_the_rule_finds_exactly_the_accounts_of_the_definition(org):
    for name in NAMES:
        AccountFactory(owner=org["r1"], name=name)
    accounts = {a.pk: a.name for a in Account.objects.all()}
    for query in [
        "华信机械股份有限公司",
        "万达集团",
        "集团",
        "有限",
        "公司",
        "深圳分公司",
        "trading co",
        "TRADING",
        "inc",
        "acme",
        "foods ltd",
        "Ltd",
        "宏达电子 Ltd",
        "富有",
    ]:
        expected = {pk for pk, name in accounts.items() if found_by_definition(name, query)}
        got = set(Account.objects.filter(account_name_search_q(query)).values_list("pk", flat=True))
        assert got == expected, query
        # and as the database itself reads the definition
        legacy = Q(name__icontains=query) | Q(
            normalized_name__contains=normalize_account_name(query)
        )
        assert set(Account.objects.filter(legacy).values_list("pk", flat=True)) == expected


@pytest.mark.django_db
def test_a_search_reads_the_normalized_name_trigram_index(org):
    AccountFactory(owner=org["r1"], name="宏达电子有限公司")
    for query in ["宏达电子", "宏达电子集团"]:  # the second one is narrowed to 宏达电子
        plan = plan_of(Account.objects.filter(account_name_search_q(query)).order_by())
        assert "account_normalized_name_trgm" in plan, plan
