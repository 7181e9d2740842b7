"""Access control against an oracle, over random organisations (hypothesis).

For every user of a random organisation (admin, managers with one, two or no teams, reps with
and without a team, an inactive rep) and every endpoint that `endpoints.classify_all()` finds:
- API lists return exactly the records of the accounts the oracle says the user sees;
- no page or API response shows a token of a record outside the user's book;
- detail, update and delete of a record outside the book answer 404 and change nothing;
- writes through relations (account, owner) cannot move a record into or out of the book.

Each example runs in a transaction that is rolled back, so examples are cheap and independent.
"""

import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Account
from crm.models import Territory, User
from tests.security.endpoints import (
    ADMIN_ONLY_PAGES,
    PUBLIC_PAGES,
    account_path,
    classify_all,
    owner_path,
)
from tests.security.oracle import BUILDERS, Org, build_org, org_specs

pytestmark = pytest.mark.django_db

# Modest: each example builds an organisation and makes a few hundred requests (~0.5-1 s).
ORACLE_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Rollback(Exception):
    pass


def _in_rollback(fn):
    """Run fn inside a transaction that is always rolled back (one example = one org)."""
    try:
        with transaction.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        pass


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _label(model) -> str:
    return model._meta.label


def _record_account(model, record: dict) -> int:
    if model is Account:
        return record["id"]
    value = record.get("account", record.get("account_id"))
    return value["id"] if isinstance(value, dict) else value


def _expected_records(model, org: Org, user: User) -> set[int]:
    path = account_path(model)
    if path is not None:
        key = "pk__in" if path == "" else f"{path}pk__in"
        return set(
            model.objects.filter(**{key: org.visible_accounts(user)}).values_list("pk", flat=True)
        )
    return set(
        model.objects.filter(**{f"{owner_path(model)}__in": org.visible_users(user)}).values_list(
            "pk", flat=True
        )
    )


def _api_list(client: Client, url: str) -> list[dict]:
    records, next_url = [], f"{url}?page_size=200"
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        if isinstance(body, list):
            return body
        records += body["results"]
        next_url = body.get("next")
    return records


def _assert_no_leak(org: Org, user: User, content: bytes, where: str) -> None:
    text = content.decode("utf-8", errors="replace")
    leaked = [tok for tok in org.invisible_tokens(user) if tok in text]
    assert not leaked, f"{where} shows records outside {user.username}'s book: {leaked}"


def _users_under_test(org: Org) -> list[User | None]:
    return [*org.users, None]


COVERED_MODELS: dict[str, int] = {}


def test_every_endpoint_is_classified():
    endpoints = classify_all()
    kinds = {ep.name: ep.kind for ep in endpoints}
    # The foundation's endpoints, as a floor: new ones add to this, none may vanish unseen.
    assert kinds["account-list"] == "api-list"
    assert kinds["contact-detail"] == "api-detail"
    assert kinds["accounts:list"] == "page"
    assert kinds["accounts:contact_edit"] == "object-page"
    for ep in endpoints:
        if ep.kind in ("api-list", "api-detail", "object-page"):
            assert ep.model is not None, ep


def test_lists_and_pages_show_exactly_the_oracles_book():
    endpoints = classify_all()
    api_lists = [ep for ep in endpoints if ep.kind == "api-list"]
    pages = [ep for ep in endpoints if ep.kind in ("page", "api-other", "api-action-list")]
    for ep in api_lists:
        if _label(ep.model) != _label(Account):
            assert _label(ep.model) in BUILDERS, (
                f"{ep.name} lists {_label(ep.model)}: add a builder to "
                "tests/security/oracle.py BUILDERS so the oracle creates such records"
            )

    @ORACLE_SETTINGS
    @given(spec=org_specs())
    def check(spec):
        def run():
            org = build_org(spec)
            for user in _users_under_test(org):
                client = _client(user)
                for ep in api_lists:
                    url = reverse(ep.name)
                    if user is None or user.pk in org.inactive:
                        assert client.get(url).status_code in (401, 403), ep.name
                        continue
                    records = _api_list(client, url)
                    got = {r["id"] for r in records}
                    assert got == _expected_records(ep.model, org, user), (ep.name, user.role)
                    assert {_record_account(ep.model, r) for r in records} <= org.visible_accounts(
                        user
                    )
                    COVERED_MODELS[_label(ep.model)] = COVERED_MODELS.get(
                        _label(ep.model), 0
                    ) + len(got)
                    _assert_no_leak(org, user, json.dumps(records).encode(), ep.name)
                _check_own_rule_endpoints(client, org, user)
                for ep in pages:
                    response = client.get(reverse(ep.name))
                    assert response.status_code < 500, (ep.name, response.status_code)
                    if user is None or user.pk in org.inactive:
                        if ep.name not in PUBLIC_PAGES and ep.kind == "page":
                            assert response.status_code in (302, 404, 405), ep.name
                            if response.status_code == 302:
                                assert response["Location"].startswith("/login/"), ep.name
                        continue
                    if ep.name in ADMIN_ONLY_PAGES and user.role != User.Role.ADMIN:
                        assert response.status_code == 404, ep.name
                    _assert_no_leak(org, user, response.content, ep.name)
                if user is not None and user.pk not in org.inactive:
                    html = client.get(reverse("accounts:list")).content.decode()
                    linked = {int(pk) for pk in re.findall(r'href="/accounts/(\d+)/"', html)}
                    assert linked == org.visible_accounts(user), user.role

        _in_rollback(run)

    check()
    # The runs above must have seen records of every listed model, or they proved nothing.
    for ep in api_lists:
        assert COVERED_MODELS.get(_label(ep.model), 0) > 0, f"no {ep.model} was ever listed"


def _check_own_rule_endpoints(client: Client, org: Org, user: User | None) -> None:
    if user is None or user.pk in org.inactive:
        for name in ("user-list", "team-list", "territory-list"):
            assert client.get(reverse(name)).status_code in (401, 403), name
        return
    users = {r["id"] for r in _api_list(client, reverse("user-list"))}
    assert users == org.visible_users(user)
    teams = {r["id"] for r in _api_list(client, reverse("team-list"))}
    assert teams == org.visible_teams(user)
    territories = {r["id"] for r in _api_list(client, reverse("territory-list"))}
    assert territories == set(Territory.objects.values_list("pk", flat=True))
    for other in org.users:
        status = client.get(reverse("user-detail", args=[other.pk])).status_code
        assert status == (200 if other.pk in org.visible_users(user) else 404)
    for team_pk in org.managers_of:
        status = client.get(reverse("team-detail", args=[team_pk])).status_code
        assert status == (200 if team_pk in org.visible_teams(user) else 404)


def _records(org: Org, model) -> list[int]:
    return [pk for (label, pk) in org.tokens if label == _label(model)]


def _snapshot(model, pk):
    return model.objects.filter(pk=pk).values().first()


def _counts() -> dict[str, int]:
    from django.apps import apps

    labels = [_label(Account), *BUILDERS]
    return {label: apps.get_model(label).objects.count() for label in labels}


def _object_url(ep, pk: int) -> str:
    (kwarg,) = ep.kwargs
    return reverse(ep.name, kwargs={kwarg: pk})


def test_records_outside_the_book_answer_404_and_stay_unchanged():
    endpoints = classify_all()
    api_details = [ep for ep in endpoints if ep.kind in ("api-detail", "api-action-detail")]
    object_pages = [ep for ep in endpoints if ep.kind == "object-page"]

    @ORACLE_SETTINGS
    @given(spec=org_specs(), data=st.data())
    def check(spec, data):
        def run():
            org = build_org(spec)
            active = [u for u in org.users if u.pk not in org.inactive]
            user = data.draw(st.sampled_from(active), label="user")
            client = _client(user)
            visible = org.visible_accounts(user)
            for ep in api_details:
                for pk in _records(org, ep.model):
                    url = reverse(ep.name, kwargs={"pk": pk})
                    inside = org.account_of(_label(ep.model), pk) in visible
                    before = _snapshot(ep.model, pk)
                    for method in ep.methods:
                        if inside and method == "DELETE":
                            continue  # the record is needed below; deleting is the owner's right
                        response = getattr(client, method.lower())(
                            url, data={}, content_type="application/json"
                        )
                        if inside:
                            assert response.status_code != 404, (ep.name, method)
                        else:
                            assert response.status_code == 404, (ep.name, method, user.role)
                            assert _snapshot(ep.model, pk) == before, (ep.name, method)
                    if inside and "GET" in ep.methods and ep.kind == "api-detail":
                        _assert_no_leak(org, user, client.get(url).content, ep.name)
            for ep in object_pages:
                for pk in _records(org, ep.model):
                    url = _object_url(ep, pk)
                    inside = org.account_of(_label(ep.model), pk) in visible
                    response = client.get(url)
                    if not inside:
                        assert response.status_code == 404, (ep.name, user.role)
                        before = _snapshot(ep.model, pk), _counts()
                        attempt = {"name": "moved", "account": pk, "owner": user.pk}
                        assert client.post(url, data=attempt).status_code == 404, ep.name
                        assert (_snapshot(ep.model, pk), _counts()) == before, ep.name
                    else:
                        assert response.status_code in (200, 302), (ep.name, response.status_code)
                        _assert_no_leak(org, user, response.content, ep.name)

        _in_rollback(run)

    check()


def _foreign_accounts(org: Org, user: User) -> list[int]:
    return sorted(set(org.accounts) - org.visible_accounts(user))


def _foreign_users(org: Org, user: User) -> list[int]:
    return sorted({u.pk for u in org.users} - org.assignable_users(user))


def _relation_fields(serializer_class) -> dict[str, type]:
    fields = {}
    serializer = serializer_class()
    for name, f in serializer.fields.items():
        queryset = getattr(f, "queryset", None)
        if f.read_only or queryset is None:
            continue
        if queryset.model in (Account, User):
            fields[name] = queryset.model
    return fields


def test_writes_through_relations_cannot_move_records_between_books():
    endpoints = classify_all()
    api_details = [ep for ep in endpoints if ep.kind == "api-detail" and "PATCH" in ep.methods]
    api_lists = {ep.model: ep for ep in endpoints if ep.kind == "api-list" and "POST" in ep.methods}
    form_pages = [ep for ep in endpoints if ep.kind == "object-page"]

    @ORACLE_SETTINGS
    @given(spec=org_specs(), data=st.data())
    def check(spec, data):
        def run():
            org = build_org(spec)
            active = [u for u in org.users if u.pk not in org.inactive and u.role != "admin"]
            user = data.draw(st.sampled_from(active), label="user")
            client = _client(user)
            foreign = {Account: _foreign_accounts(org, user), User: _foreign_users(org, user)}
            visible = org.visible_accounts(user)
            for ep in api_details:
                relations = _relation_fields(ep.view_cls.serializer_class)
                for pk in _records(org, ep.model):
                    if org.account_of(_label(ep.model), pk) not in visible:
                        continue
                    url = reverse(ep.name, kwargs={"pk": pk})
                    representation = client.get(url).json()
                    for field_name, target in relations.items():
                        for foreign_pk in foreign[target][:2]:
                            before = _snapshot(ep.model, pk)
                            response = client.patch(
                                url, {field_name: foreign_pk}, content_type="application/json"
                            )
                            assert response.status_code == 400, (ep.name, field_name)
                            assert field_name in response.json(), response.json()
                            assert _snapshot(ep.model, pk) == before
                            create = api_lists.get(ep.model)
                            if create is None:
                                continue
                            payload = {
                                k: v
                                for k, v in representation.items()
                                if k not in ("id", "created_at", "updated_at")
                            }
                            payload[field_name] = foreign_pk
                            count = ep.model.objects.count()
                            response = client.post(
                                reverse(create.name), payload, content_type="application/json"
                            )
                            assert response.status_code == 400, (create.name, field_name)
                            assert field_name in response.json(), response.json()
                            assert ep.model.objects.count() == count
            for ep in form_pages:
                for pk in _records(org, ep.model):
                    if org.account_of(_label(ep.model), pk) not in visible:
                        continue
                    _check_form_relations(client, ep, pk, foreign)

        _in_rollback(run)

    check()


def _form_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        data[name] = value
    return data


def _check_form_relations(client: Client, ep, pk: int, foreign) -> None:
    url = _object_url(ep, pk)
    response = client.get(url)
    form = (response.context or {}).get("form") if response.status_code == 200 else None
    if form is None:
        return
    for field_name in ("account", "owner"):
        if field_name not in form.fields:
            continue
        target = Account if field_name == "account" else User
        model = form._meta.model
        for foreign_pk in foreign[target][:2]:
            before = list(model.objects.order_by("pk").values())
            data = {**_form_data(form), field_name: foreign_pk}
            response = client.post(url, data)
            assert response.status_code in (200, 404), (ep.name, field_name, response.status_code)
            assert list(model.objects.order_by("pk").values()) == before, (ep.name, field_name)
