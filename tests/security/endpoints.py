"""Every URL of the project, classified for the access-control tests.

The tests walk the URL configuration instead of listing endpoints by hand, so an endpoint that a
feature adds later is checked without a change here, or, when it cannot be classified, makes
`classify_all()` fail with a message saying what to add. Nothing is skipped silently.

- API (under /api/v1/): DRF viewsets are found through their router names (`<basename>-list`,
  `<basename>-detail`, custom actions). The model comes from the serializer; its records belong
  to an account through `Account` itself, a field `account`, or an `owner`. Viewsets with a rule
  of their own (imports, occasions) are named in `API_OWN_RULE_BASENAMES`.
- HTML pages: a page without URL arguments is a "page" (checked for leaks); a page with
  arguments needs to know which model the argument names: `account_pk` is always an account,
  `pk` is the model named by the page's name (`contact_edit` -> Contact) or, for plain
  `detail`/`edit`/`delete`, the app's main model (`OBJECT_PAGE_MODELS` otherwise).
- Admin-only pages (`ADMIN_ONLY_PAGES`, `ADMIN_ONLY_OBJECT_PAGES`), the import pages
  (`OWN_RULE_NAMESPACES`) and the exports (`EXPORTS`) have checks of their own.
- Features listed in `REVIEW_REQUIRED_PREFIXES` (scoring: dashboards and charts) fail the
  classification loudly, naming each endpoint, until someone reviews it into
  `REVIEWED_ENDPOINTS` and writes its check. A reviewed endpoint is then classified like any
  other (so the generic checks apply too), unless `REVIEWED_OWN_RULE` names it: then it is
  kind "reviewed", with the model its id names, and only its own check applies.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Account

API_PREFIX = "api/v1/"

# API endpoints with a rule of their own (not "records of visible accounts"), each with why.
# Every one is checked by a test of its own in test_access_oracle.py.
API_OWN_RULE = {
    "user-list": "users: self, team members (managers), everyone (admins)",
    "user-detail": "users: self, team members (managers), everyone (admins)",
    "user-deactivate": "admins only (others 403; a user they cannot see 404) "
    "(tests/crm/test_users_api.py)",
    "user-reactivate": "admins only (others 403; a user they cannot see 404) "
    "(tests/crm/test_users_api.py)",
    "user-invite": "admins only (others 403; a user they cannot see 404) "
    "(tests/crm/test_users_api.py)",
    "team-list": "teams: own team (reps), led teams (managers), all (admins)",
    "team-detail": "teams: own team (reps), led teams (managers), all (admins)",
    "territory-list": "territories: reference data every signed-in user reads",
    "territory-detail": "territories: reference data every signed-in user reads",
}
# Viewsets with a rule of their own: every route whose name starts with "<basename>-".
API_OWN_RULE_BASENAMES = {
    "import-batch": "import batches: admins all, managers the ones they ran, reps none "
    "(test_imports_are_for_importers_and_batches_for_their_creators)",
    "import-mapping": "saved import mappings: admins all, managers their own, reps none "
    "(test_imports_are_for_importers_and_batches_for_their_creators)",
    "occasion": "birthdays and holidays: reference data everyone reads, admins change "
    "(test_admin_only_pages_and_endpoints_deny_reps_and_managers)",
    "talk-track": "talk tracks: reference data every signed-in user reads, read-only (admins "
    "edit them on /playbook/talk-tracks/) (test_admin_only_pages_and_endpoints_deny_reps_and_"
    "managers)",
    "intelligence-question": "the intelligence outline: reference data every signed-in user "
    "reads, read-only (admins edit it on /playbook/outline/) (test_admin_only_pages_and_"
    "endpoints_deny_reps_and_managers)",
    # opportunities: the admins' lists, read-only in the API (admins edit them on their pages)
    "opportunity-stage": "the stages of deals: reference data every signed-in user reads, "
    "read-only (admins edit them on /opportunities/stages/) (test_admin_only_pages_and_"
    "endpoints_deny_reps_and_managers)",
    "loss-reason": "the loss reasons of deals: reference data every signed-in user reads, "
    "read-only (admins edit them on /opportunities/loss-reasons/) (test_admin_only_pages_and_"
    "endpoints_deny_reps_and_managers)",
    # robots
    "robot": "group robots: a user's own, a manager's teams' and members' own, an admin's "
    "all; others 404; a rep cannot add to a team (tests/robots/test_api.py)",
}
# API endpoints that hold no records at all.
API_NO_RECORDS = {
    "api-root": "the browsable index of endpoints",
    "api-token": "POST username/password -> token; covered by tests/security/test_auth.py",
}
# Downloads of a whole list ("<entity>.<ext>"); their rows are compared with the oracle's book
# by test_exports_hold_exactly_the_oracles_book.
EXPORTS = {"accounts:export", "export"}
# Pages outside the visibility rule, each with why.
HTML_EXEMPT_NAMESPACES = {
    "admin": "Django's admin site: staff only, guarded by Django's model permissions",
}
HTML_EXEMPT = {
    "set_language": "POST-only language switch; stores a cookie, touches no record",
    "schema": "the OpenAPI document; no records (checked by test_schemathesis)",
    "api-docs": "Swagger UI shell; no records (checked by the CSP browser test)",
    "logout": "POST-only; ends the session (checked by test_auth)",
    "sign_out_everywhere": "POST-only; ends the user's other sessions and API tokens, touches no "
    "record (checked by test_api_tokens)",
    "password_reset_confirm": "public: sets the password of the user its signed token names; a "
    "wrong, used or expired token changes nothing (tests/crm/test_password_reset.py)",
    # calendars
    "calendars:feed": "public by token: the iCalendar feed of the user whose secret token is in "
    "the URL, read through that user's visibility rule; a wrong, reset or deactivated user's "
    "token answers 404 (tests/calendars/test_feed.py)",
}
# robots: a group robot belongs to a user or a team, not to an account; its rule
# (robots.selectors.robot_scope_q, on owner_scope_q) is checked for every role by
# tests/robots/test_views.py (test_others_robots_answer_404, test_a_rep_cannot_add_to_a_team).
# keyplan: a frozen version of a plan (plan and version number): the plan's rule, checked by
# tests/keyaccounts/test_views.py (test_a_plan_outside_the_users_sight_is_404).
HTML_EXEMPT["keyaccounts:version"] = "a plan's frozen version: 404 unless the plan is visible"
_ROBOT_RULE = "one group robot: its user, their manager, the team's manager, admins; others 404"
HTML_EXEMPT.update(
    {
        "robots:edit": _ROBOT_RULE,
        "robots:delete": _ROBOT_RULE,
        "robots:test": _ROBOT_RULE + " (POST only)",
    }
)
PUBLIC_PAGES = {"login", "password_reset", "password_reset_done", "password_reset_complete"}
# Pages only admins open; everyone else gets 404 (deny by default: `user.is_admin`).
ADMIN_ONLY_PAGES = {
    "audit",
    "prospects:settings",
    "prospects:team_minimums",
    "visits:settings",
    "visits:checklist_items",
    "visits:checklist_item_create",
    "visits:occasions",
    "visits:occasion_create",
    "users:list",
    "users:create",
    "playbook:talk_tracks",
    "playbook:talk_track_create",
    "playbook:outline",
    "playbook:question_create",
    # opportunities
    "opportunities:stages",
    "opportunities:stage_create",
    "opportunities:loss_reasons",
    "opportunities:loss_reason_create",
    "opportunities:settings",
    "accounts:buying_centre_settings",
    # competitors: the admins add them (the list and a competitor's page are for everyone)
    "competitors:create",
}
# Admin-only pages of one record of reference data (not in anyone's book). name -> label.
ADMIN_ONLY_OBJECT_PAGES = {
    "visits:checklist_item_edit": "visits.ChecklistItem",
    "visits:checklist_item_delete": "visits.ChecklistItem",
    "visits:occasion_edit": "visits.Occasion",
    "visits:occasion_delete": "visits.Occasion",
    "users:edit": "crm.User",
    "users:invite": "crm.User",
    "users:deactivate": "crm.User",
    "users:reactivate": "crm.User",
    "playbook:talk_track_edit": "playbook.TalkTrack",
    "playbook:talk_track_delete": "playbook.TalkTrack",
    "playbook:talk_track_move": "playbook.TalkTrack",
    "playbook:question_edit": "playbook.IntelligenceQuestion",
    "playbook:question_delete": "playbook.IntelligenceQuestion",
    "playbook:question_move": "playbook.IntelligenceQuestion",
    # opportunities
    "opportunities:stage_edit": "opportunities.Stage",
    "opportunities:stage_delete": "opportunities.Stage",
    "opportunities:stage_move": "opportunities.Stage",
    "opportunities:loss_reason_edit": "opportunities.LossReason",
    "opportunities:loss_reason_delete": "opportunities.LossReason",
    "opportunities:loss_reason_move": "opportunities.LossReason",
    "competitors:edit": "accounts.Competitor",
}
# App namespaces whose pages follow a rule of their own, with the model a `pk` names.
OWN_RULE_NAMESPACES = {
    "imports": (
        "imports.ImportBatch",
        "importers only (admins, managers); a manager reaches only the batches they ran "
        "(test_imports_are_for_importers_and_batches_for_their_creators)",
    ),
}
# Pages with a `pk` whose model cannot be told from the name. "<namespace>:<name>" -> label.
OBJECT_PAGE_MODELS: dict[str, str] = {
    "visits:plan_detail": "visits.VisitPlan",
    "visits:plan_edit": "visits.VisitPlan",
    "visits:plan_cancel": "visits.VisitPlan",
    "visits:plan_checklist": "visits.VisitPlan",
    # opportunities: a prospect's colour set against the colour rule
    "opportunities:prospect_colour": "prospects.Prospect",
    # opportunities: one deal's page, forms, move and contacts (oppages)
    **{
        f"opportunities:{name}": "opportunities.Opportunity"
        for name in (
            "detail",
            "edit",
            "move",
            "close",
            "delete",
            "contact_add",
            "contact_remove",
            # competitors in play on a deal
            "competitor_set",
            "competitor_remove",
        )
    },
    # account teams: one member's role and access, and their removal (POST only)
    "accounts:team_member_edit": "accounts.AccountTeamMember",
    "accounts:team_member_remove": "accounts.AccountTeamMember",
    # competitors: an account's incumbent supplier, its form and deletion
    "accounts:incumbent_edit": "accounts.AccountCompetitor",
    "accounts:incumbent_delete": "accounts.AccountCompetitor",
    # keyplan: the key-account plan's page and its sections' forms
    "keyaccounts:detail": "keyaccounts.KeyAccountPlan",
    "keyaccounts:edit": "keyaccounts.KeyAccountPlan",
    "keyaccounts:row_add": "keyaccounts.KeyAccountPlan",
    "keyaccounts:product_add": "keyaccounts.KeyAccountPlan",
    "keyaccounts:mark_set": "keyaccounts.KeyAccountPlan",
    "keyaccounts:goal_set": "keyaccounts.KeyAccountPlan",
    "keyaccounts:action_add": "keyaccounts.KeyAccountPlan",
    "keyaccounts:review": "keyaccounts.KeyAccountPlan",
    "keyaccounts:history": "keyaccounts.KeyAccountPlan",
}
# An app namespace's main model, for its plain `detail` / `edit` / `delete` / `move` pages.
NAMESPACE_MAIN_MODEL = {
    "accounts": "accounts.Account",
    "prospects": "prospects.Prospect",
    # commitments: edit, done, undo, delete of one commitment
    "commitments": "commitments.Commitment",
}
# URL arguments that always name an account.
ACCOUNT_KWARGS = {"account_pk", "account_id"}
# Features whose endpoints must be reviewed by hand before the oracle accepts them, even when
# they could be classified automatically: dashboards and charts aggregate over a book, which
# a token search cannot check. Route prefix -> the feature.
REVIEW_REQUIRED_PREFIXES = {"scoring/": "scoring", f"{API_PREFIX}scoring/": "scoring"}
# dashboard
REVIEW_REQUIRED_PREFIXES.update({"dashboard/": "dashboard", f"{API_PREFIX}dashboard/": "dashboard"})
# Reviewed endpoints of those features: name -> how the oracle checks it; each one added here
# needs a check in its feature's oracle test (test_scoring_oracle.py, test_dashboard_oracle.py).
REVIEWED_ENDPOINTS: dict[str, str] = {}
# Reviewed endpoints whose rows are not records of a book that the generic checks could list
# (company-wide runs, snapshot rows keyed by account): name -> the model their URL id names
# ("" when they take none). Classified as kind "reviewed"; their feature's test checks them.
REVIEWED_OWN_RULE: dict[str, str] = {}

# scoring: reviewed (tests/security/test_scoring_oracle.py, which fails for a name here that
# it does not check). Tiers, thresholds and runs are company-wide; every figure and row is
# narrowed to the caller's book (accounts.selectors.accounts_visible_to).
SCORING_REVIEWED = {
    "scoring:overview": "page: per-tier counts and revenue equal those of exactly the "
    "oracle's book (also narrowed by owner / team); no foreign token",
    "scoring:pareto": "page: the curve's customers, revenue, top-20% share and customers to "
    "80% equal those computed from the oracle's book; no foreign token",
    "scoring:quadrants": "page: per-quadrant counts and output equal the oracle's book's",
    "scoring:priority": "page: per-class counts and revenue equal the oracle's book's",
    "scoring:accounts": "page: links exactly the oracle's book's snapshot rows, per tier, "
    "quadrant, priority and movement filter; a foreign owner/team filter shows nothing",
    "scoring:movers": "page: links exactly the movers among the oracle's book",
    "scoring:runs": "page: every run (company-wide metadata), no company-wide figures for "
    "non-admins",
    "scoring:run_detail": "page: any run; its figures are the oracle's book's",
    "scoring:recompute": "page: managers and admins queue a run; reps and others 404, nothing "
    "queued",
    "scoring:settings": "admin-only page (ADMIN_ONLY_PAGES): others 404, settings unchanged",
    "scoring-api:tier-list": "API: exactly the oracle's book's snapshot rows, per filter",
    "scoring-api:tier-detail": "API: an account's tier history; outside the book 404",
    "scoring-api:pareto": "API: figures of exactly the oracle's book (and of owner / team "
    "filters within it); a foreign filter answers as a missing id (400)",
    "scoring-api:quadrants": "API: per-quadrant counts, input and output of the oracle's book",
    "scoring-api:priority": "API: per-class counts and revenue of the oracle's book",
    "scoring-api:run-list": "API: every run; POST queues a run for managers and admins, 403 "
    "and nothing queued for reps and others",
    "scoring-api:run-detail": "API: any run; `figures` of the oracle's book, `company` only "
    "for admins",
}
REVIEWED_ENDPOINTS.update(SCORING_REVIEWED)
REVIEWED_OWN_RULE.update(
    {
        "scoring:run_detail": "scoring.TierRun",
        "scoring-api:tier-list": "",
        "scoring-api:tier-detail": "accounts.Account",
        "scoring-api:run-list": "",
        "scoring-api:run-detail": "scoring.TierRun",
    }
)
ADMIN_ONLY_PAGES.add("scoring:settings")

# dashboard: every figure is the admin's figure for exactly the caller's visible accounts, and
# another rep's or team's population answers 404 (tests/security/test_dashboard_oracle.py).
_DASHBOARD_CHECK = "figures == an admin's over the caller's book; others' population 404"
REVIEWED_ENDPOINTS.update(
    {
        "dashboard": _DASHBOARD_CHECK,
        "dashboard_csv": _DASHBOARD_CHECK + " (the tables of the page)",
        "dashboard_xlsx": _DASHBOARD_CHECK + " (the tables of the page)",
        "dashboard-api:index": "the list of figure URLs; no records",
        **{
            f"dashboard-api:{figure}": _DASHBOARD_CHECK
            for figure in (
                "kpis",
                "tiers",
                "pareto",
                "quadrants",
                "priority",
                "effort",
                "pipeline",
                "plans",
                "touches",
                "growth",
            )
        },
    }
)


# health: the tier-drop forecast API sits under the scoring API (/api/v1/scoring/forecast/), so
# it is reviewed; tests/security/test_health_oracle.py checks it and the forecast page.
HEALTH_REVIEWED = {
    "health-api:forecast": "API: exactly the oracle's book's A and B accounts (the ranking is "
    "company-wide, the rows are the caller's); signed out 401/403",
}
REVIEWED_ENDPOINTS.update(HEALTH_REVIEWED)
REVIEWED_OWN_RULE["health-api:forecast"] = ""


class Unclassified(AssertionError):
    pass


@dataclass
class Endpoint:
    name: str  # URL name as `reverse` takes it
    route: str
    kind: str  # api-list, api-detail, api-action-list, api-action-detail, api-other,
    # page, object-page, admin-object-page, own-rule, own-rule-page, own-rule-object-page,
    # export, exempt, reviewed
    kwargs: tuple[str, ...] = ()
    model: type[models.Model] | None = None
    methods: tuple[str, ...] = ()
    view_cls: type | None = None
    reason: str = ""
    actions: dict = field(default_factory=dict)


def account_path(model: type[models.Model]) -> str | None:
    """How a record reaches its account: "" for Account, "account__" through a foreign key,
    None if it has no account (then `owner_path` applies)."""
    if model is Account:
        return ""
    names = {f.name: f for f in model._meta.get_fields()}
    account = names.get("account")
    if account is not None and getattr(account, "related_model", None) is Account:
        return "account__"
    return None


def owner_path(model: type[models.Model]) -> str | None:
    names = {f.name for f in model._meta.get_fields()}
    return "owner" if "owner" in names else None


def _piece(pattern) -> str:
    """A pattern as the route reads (a router's regex "^tiers/$" as "tiers/")."""
    return str(pattern).removeprefix("^").removesuffix("$")


def _walk(patterns, prefix="", namespace=None, kwargs=()):
    for p in patterns:
        groups = tuple(p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + _piece(p.pattern), ns, kwargs + groups)
        elif isinstance(p, URLPattern):
            name = p.name and (f"{namespace}:{p.name}" if namespace else p.name)
            yield prefix + _piece(p.pattern), name, p.callback, kwargs + groups


def _serializer_model(view_cls, action: str):
    view = view_cls()
    view.action = action
    view.request = None
    view.format_kwarg = None
    view.kwargs = {}
    try:
        serializer_class = view.get_serializer_class()
    except Exception:  # a view that needs a request to choose: fall back to the attribute
        serializer_class = getattr(view_cls, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    return getattr(meta, "model", None)


def _object_page_model(name: str, kwargs: tuple[str, ...]):
    if name in OBJECT_PAGE_MODELS:
        return apps.get_model(OBJECT_PAGE_MODELS[name])
    if set(kwargs) <= ACCOUNT_KWARGS:
        return Account
    if kwargs != ("pk",):
        return None
    namespace, _, short = name.rpartition(":")
    prefix = short.split("_", 1)[0] if "_" in short else ""
    if prefix:
        try:
            app_label = apps.get_app_config(namespace).label if namespace else None
        except LookupError:
            app_label = None
        for model in apps.get_models():
            if model._meta.model_name == prefix and (
                app_label is None or model._meta.app_label == app_label
            ):
                return model
        return None
    if namespace in NAMESPACE_MAIN_MODEL:
        return apps.get_model(NAMESPACE_MAIN_MODEL[namespace])
    return None


def _own_rule_basename(name: str) -> str | None:
    for basename in API_OWN_RULE_BASENAMES:
        if name.startswith(f"{basename}-"):
            return basename
    return None


def classify_all() -> list[Endpoint]:
    """Every endpoint of the project, classified; raises Unclassified naming what to add."""
    endpoints: dict[tuple[str, str], Endpoint] = {}
    problems = []
    for route, name, callback, kwargs in _walk(get_resolver().url_patterns):
        if "format" in kwargs:
            continue  # `.json` suffix twins of the same views
        top_namespace = (name or "").split(":", 1)[0] if name and ":" in name else ""
        if top_namespace in HTML_EXEMPT_NAMESPACES or route.startswith("admin/"):
            continue
        if not name:
            problems.append(f"unnamed URL {route!r}: give it a name")
            continue
        feature = next(
            (f for prefix, f in REVIEW_REQUIRED_PREFIXES.items() if route.startswith(prefix)),
            None,
        )
        if feature and name not in REVIEWED_ENDPOINTS:
            problems.append(
                f"NEW {feature.upper()} ENDPOINT {name} ({route}): review it and add it to "
                "REVIEWED_ENDPOINTS in tests/security/endpoints.py with a check in "
                "test_access_oracle.py (its figures must be computed over the caller's book "
                "only; records outside it answer 404)"
            )
            continue
        view_cls = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        if name in REVIEWED_OWN_RULE:
            label = REVIEWED_OWN_RULE[name]
            ep = Endpoint(
                name,
                route,
                "reviewed",
                kwargs,
                model=apps.get_model(label) if label else None,
                methods=tuple(m.upper() for m in actions),
                view_cls=view_cls,
                reason=REVIEWED_ENDPOINTS.get(name, ""),
                actions=dict(actions),
            )
            endpoints.setdefault((ep.name, ep.kind), ep)
            continue
        if name in EXPORTS:
            ep = Endpoint(name, route, "export", kwargs, view_cls=view_cls)
        elif route.startswith(API_PREFIX):
            basename = _own_rule_basename(name)
            if name in API_NO_RECORDS:
                ep = Endpoint(name, route, "exempt", kwargs, reason=API_NO_RECORDS[name])
            elif name in API_OWN_RULE:
                ep = Endpoint(name, route, "own-rule", kwargs, reason=API_OWN_RULE[name])
            elif basename is not None:
                ep = Endpoint(
                    name,
                    route,
                    "own-rule",
                    kwargs,
                    view_cls=view_cls,
                    methods=tuple(m.upper() for m in actions),
                    reason=API_OWN_RULE_BASENAMES[basename],
                    actions=dict(actions),
                )
            elif view_cls is not None and actions:
                action = next(iter(actions.values()))
                model = _serializer_model(view_cls, action)
                suffix = name.rsplit("-", 1)[-1]
                kind = {"list": "api-list", "detail": "api-detail"}.get(suffix)
                if kind is None:
                    kind = "api-action-detail" if "pk" in kwargs else "api-action-list"
                if kind in ("api-list", "api-detail") and model is None:
                    problems.append(f"API {name} ({route}): its serializer names no model")
                    continue
                if model is not None and account_path(model) is None and not owner_path(model):
                    problems.append(
                        f"API {name}: {model._meta.label} reaches neither an account nor an "
                        "owner; add it to API_OWN_RULE with its rule and a check"
                    )
                    continue
                if kind == "api-action-detail" and model is None:
                    model = _serializer_model(view_cls, "retrieve")
                ep = Endpoint(
                    name,
                    route,
                    kind,
                    kwargs,
                    model=model,
                    methods=tuple(m.upper() for m in actions),
                    view_cls=view_cls,
                    actions=dict(actions),
                )
            elif not kwargs:
                ep = Endpoint(name, route, "api-other", kwargs, view_cls=view_cls)
            else:
                problems.append(
                    f"API {name} ({route}) takes {kwargs} and is not a viewset route: "
                    "classify it in tests/security/endpoints.py"
                )
                continue
        elif name in HTML_EXEMPT:
            ep = Endpoint(name, route, "exempt", kwargs, reason=HTML_EXEMPT[name])
        elif top_namespace in OWN_RULE_NAMESPACES:
            label, reason = OWN_RULE_NAMESPACES[top_namespace]
            if kwargs not in ((), ("pk",)):
                problems.append(f"page {name} ({route}) takes {kwargs}: classify it")
                continue
            ep = Endpoint(
                name,
                route,
                "own-rule-object-page" if kwargs else "own-rule-page",
                kwargs,
                model=apps.get_model(label),
                reason=reason,
            )
        elif name in ADMIN_ONLY_OBJECT_PAGES:
            model = apps.get_model(ADMIN_ONLY_OBJECT_PAGES[name])
            ep = Endpoint(name, route, "admin-object-page", kwargs, model=model)
        elif not kwargs:
            ep = Endpoint(name, route, "page", kwargs)
        else:
            model = _object_page_model(name, kwargs)
            if model is None or (account_path(model) is None and not owner_path(model)):
                problems.append(
                    f"page {name} ({route}) takes {kwargs}: say which model in "
                    "OBJECT_PAGE_MODELS (tests/security/endpoints.py)"
                )
                continue
            ep = Endpoint(name, route, "object-page", kwargs, model=model)
        endpoints.setdefault((ep.name, ep.kind), ep)
    if problems:
        raise Unclassified("\n".join(problems))
    return list(endpoints.values())


# forecast: targets belong to a rep or a team, not to an account. Read: the users and teams the
# caller sees (crm.selectors.users_visible_to / teams_visible_to); set: admins all, managers
# their teams and those teams' reps (test_targets_and_forecast_follow_their_rule in
# test_access_oracle.py; failure cases in tests/opportunities/test_targets.py).
API_OWN_RULE_BASENAMES["target"] = (
    "targets: of the users and teams the caller sees; writes by admins, and by managers for "
    "their teams and reps (test_targets_and_forecast_follow_their_rule)"
)
_TARGET_RULE = (
    "one target: those who may set it (admins; the team's manager); others 404 "
    "(test_targets_and_forecast_follow_their_rule)"
)
HTML_EXEMPT.update({"targets:edit": _TARGET_RULE, "targets:delete": _TARGET_RULE})


# competitors: reference data every signed-in user reads (admins edit it); what a competitor's
# page and the list show of accounts and deals is narrowed to the caller's book
# (tests/opportunities/test_competitors.py: test_a_competitors_page_shows_only_the_book).
API_OWN_RULE_BASENAMES["competitor"] = (
    "competitors: reference data every signed-in user reads; admins write, others 403 "
    "(tests/opportunities/test_competitors.py)"
)
HTML_EXEMPT["competitors:detail"] = (
    "a competitor (reference data): its incumbencies, contracts and deals only of the "
    "caller's book (tests/opportunities/test_competitors.py)"
)
# receivables: a contract's file is served only to who sees the contract (its account's rule);
# anyone else gets 404 (tests/receivables/test_views.py, test_attachments_are_served_only_
# through_the_contracts_visibility).
HTML_EXEMPT["receivables:attachment_download"] = (
    "a contract's attachment: 404 unless its contract is visible"
)
