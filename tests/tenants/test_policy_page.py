"""The tenant's policy page: every setting with its unit, default and meaning; bad values refused by
field and nothing written; a change reviewed with the open deadlines it would move, then saved with
a record of who and when, the deadlines kept or recomputed as chosen; the same from the command line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from odr.mediation.core.events import CaseEvent
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.mediation.documents.services import limits_of
from odr.platform import calendar as clock
from odr.platform.tenancy import set_tenant
from odr.tenants import policy_settings as registry
from odr.tenants.models import PolicyChange, Tenant
from odr.tenants.policy_changes import OPERATOR
from tests import factories
from tests.conftest import sign_in
from tests.mediation.case_helpers import field_error, html_of, open_case, post_page


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    return tenant, people


def _form(client, tenant):
    """The policy form as the page fills it in: every input's current value."""
    html = html_of(client.get(f"/t/{tenant.slug}/admin/policy"))
    form: dict[str, object] = {}
    for match in re.finditer(r'<input id="([^"]+)" name="([^"]+)" type="(text|checkbox)" value="([^"]*)"([^>]*)>',
                             html):
        _id, name, kind, value, rest = match.groups()
        if kind == "text":
            form[name] = value
        elif "checked" in rest:
            form.setdefault(name, [])
            form[name].append(value)  # type: ignore[union-attr]
    return form


def _changes(session, tenant) -> int:
    session.expire_all()
    return session.scalar(select(func.count(PolicyChange.id)).where(PolicyChange.tenant_id == tenant.id)) or 0


def _policy(session, tenant):
    session.expire_all()
    return session.get(Tenant, tenant.id).policy


def test_the_admin_sees_every_setting_with_its_unit_default_and_meaning(client, world):
    tenant, people = world
    sign_in(client, tenant, people["admin"])
    html = html_of(client.get(f"/t/{tenant.slug}/admin/policy"))
    for setting in registry.all_settings():
        assert f'name="{setting.name}"' in html, setting.path
    assert "Mediation (tier 2)" in html and "Default: 60 days." in html and "From 1 to 365 days." in html
    assert "The EU ADR Directive" in html
    assert 'value="3, 1"' in html  # the reminder days as typed
    assert 'value="50"' in html  # 50 MB
    assert "The policy has not been changed" in html


def test_a_case_manager_reads_the_policy_but_cannot_change_it(client, session, world):
    tenant, people = world
    sign_in(client, tenant, people["case_manager"])
    response = client.get(f"/t/{tenant.slug}/admin/policy")
    assert response.status_code == 200
    html = html_of(response)
    assert "<form" not in html.split("<main")[1].split("</main>")[0].replace('class="language"', "")
    assert "14 days" in html  # the response days, shown as read
    before = _policy(session, tenant)
    refused = post_page(client, tenant, "/admin/policy/review", {"deadlines__response_days": "21"})
    assert refused.status_code == 403
    saved = post_page(client, tenant, "/admin/policy", {"deadlines__response_days": "21"})
    assert saved.status_code == 403
    assert _policy(session, tenant) == before and _changes(session, tenant) == 0


@pytest.mark.parametrize("role", ["mediator", "insurer_agent", "customer"])
def test_other_roles_do_not_see_the_policy(client, session, world, role):
    tenant, people = world
    from tests.mailbox import sign_in_as

    sign_in_as(client, session, tenant, people[role])
    assert client.get(f"/t/{tenant.slug}/admin/policy").status_code in {403, 404}
    assert 'href="/t/' + tenant.slug + '/admin"' not in html_of(client.get(f"/t/{tenant.slug}/"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("deadlines__response_days", "-3", "From 1 to 90 days."),
    ("deadlines__response_days", "0", "From 1 to 90 days."),
    ("deadlines__tier_days__2", "100000", "From 1 to 365 days."),
    ("deadlines__outcome_days", "ninety", "Enter a whole number"),
    ("deadlines__outcome_days", "", "This field is required."),
    ("deadlines__reminder_days", "3, x", "separated by commas"),
    ("deadlines__reminder_days", "9, 8, 7, 6, 5, 4", "at most 5"),
    ("deadlines__reminder_days", "90", "From 1 to 60 days before."),
    ("deadlines__stalemate_rejections", "1.5", "Enter a whole number"),
    ("documents__max_bytes", "9999", "From 1 to 500 MB."),
    ("screening_rules__amount_within_limit__limits_minor__GBP", "12.345", "Enter an amount"),
    ("screening_rules__amount_within_limit__limits_minor__GBP", "-1", "Enter a value in the range allowed"),
    ("case_reference_prefix", "M3D", "letters"),
    ("room_digest_minutes", "99999999999999999999", "Enter a whole number"),
])
def test_a_bad_value_is_refused_by_its_field_and_nothing_changes(client, session, world, field, value, message):
    tenant, people = world
    sign_in(client, tenant, people["admin"])
    form = _form(client, tenant)
    before = _policy(session, tenant)
    form[field] = value
    response = post_page(client, tenant, "/admin/policy/review", form)
    assert response.status_code == 400
    html = html_of(response)
    error = field_error(html, field)
    assert error is not None and message in error, error
    # The summary names the field and links to it; the page is the policy page again, with the bad value.
    setting = next(s for s in registry.all_settings() if s.name == field)
    assert f'<a href="#{field}">{setting.label}:' in html
    assert f'name="{field}" type="text" value="{value}"' in html
    assert '<meta name="page-url" content="/t/' in html
    assert _policy(session, tenant) == before and _changes(session, tenant) == 0


def test_no_kind_of_file_is_refused(client, session, world):
    tenant, people = world
    sign_in(client, tenant, people["admin"])
    form = _form(client, tenant)
    form.pop("documents__categories")
    response = post_page(client, tenant, "/admin/policy/review", form)
    assert response.status_code == 400
    assert "Choose at least one." in field_error(html_of(response), "documents__categories")
    assert _changes(session, tenant) == 0


def test_submitting_the_policy_unchanged_changes_nothing(client, session, world):
    tenant, people = world
    sign_in(client, tenant, people["admin"])
    response = post_page(client, tenant, "/admin/policy/review", _form(client, tenant))
    assert response.status_code == 303
    assert "Nothing was changed." in html_of(client.get(response.headers["Location"]))
    assert _changes(session, tenant) == 0


def _response_deadline(session, case) -> Deadline:
    session.expire_all()
    return session.scalar(select(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == DeadlineKind.TIER, Deadline.status == DeadlineStatus.OPEN))


def test_the_review_lists_the_deadlines_that_would_move_and_saving_keeps_them(app, client, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    deadline = _response_deadline(session, case)
    assert deadline is not None and deadline.tier == 2
    due_before = deadline.due_at
    sign_in(client, tenant, people["admin"])
    form = _form(client, tenant)
    form["deadlines__tier_days__2"] = "67"
    review = post_page(client, tenant, "/admin/policy/review", form)
    assert review.status_code == 200
    html = html_of(review)
    assert "Nothing is saved yet." in html
    assert "60 days" in html and "67 days" in html
    assert case.reference in html and "1 open deadline would move" in html
    assert _policy(session, tenant).get("deadlines", {}).get("tier_days") is None  # not yet saved
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert hidden["deadlines__tier_days__2"] == "67"

    saved = post_page(client, tenant, "/admin/policy", {**form, "deadlines": "keep"})
    assert saved.status_code == 303
    assert "1 setting of the policy is changed." in html_of(client.get(saved.headers["Location"]))
    assert _policy(session, tenant)["deadlines"]["tier_days"]["2"] == 67
    assert _response_deadline(session, case).due_at == due_before  # kept its date
    change = session.scalar(select(PolicyChange).where(PolicyChange.tenant_id == tenant.id))
    assert (change.setting, change.old_value, change.new_value) == ("deadlines.tier_days.2", 60, 67)
    assert change.actor_id == people["admin"].id and change.recomputed is False and change.moved == 0
    page = html_of(client.get(f"/t/{tenant.slug}/admin/policy"))
    assert "Kept their dates" in page and people["admin"].full_name in page


def test_recomputing_moves_each_open_deadline_by_the_difference_and_records_it(app, client, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    before = _response_deadline(session, case)
    due_before, tier_id = before.due_at, before.id
    sign_in(client, tenant, people["admin"])
    form = {**_form(client, tenant), "deadlines__tier_days__2": "53", "deadlines__reminder_days": "5, 2"}
    response = post_page(client, tenant, "/admin/policy", {**form, "deadlines": "recompute"})
    assert response.status_code == 303
    assert "1 open deadline was moved." in html_of(client.get(response.headers["Location"]))
    session.expire_all()
    moved = session.get(Deadline, tier_id)
    zone = tenant.time_zone
    assert clock.local_date(moved.due_at, zone) == clock.local_date(due_before, zone) - timedelta(days=7)
    assert moved.reminder_days == [5, 2]
    assert moved.next_action_at is not None and moved.next_action_at < moved.due_at
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.kind == "deadline.moved")).all()
    assert len(events) == 1 and events[0].payload["due_at"] == moved.due_at.isoformat()
    rows = session.scalars(select(PolicyChange).where(PolicyChange.tenant_id == tenant.id)).all()
    assert {r.setting for r in rows} == {"deadlines.tier_days.2", "deadlines.reminder_days"}
    assert all(r.recomputed and r.moved == 1 for r in rows)


def test_the_outcome_clock_moves_with_the_case_when_recomputed(app, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    from odr.tenants.policy_changes import load_form, save

    set_tenant(session, tenant.id)
    outcome = session.scalar(select(Deadline).where(Deadline.case_id == case.id,
                                                    Deadline.kind == DeadlineKind.OUTCOME))
    if outcome is None:
        pytest.skip("the case's file is not complete, so its clock has not started")
    due_before = outcome.due_at
    with app.test_request_context():
        form = registry.form_values(tenant.policy)
        form["deadlines__outcome_days"] = "100"
        saved = save(session, people["admin"], tenant, load_form(form), recompute=True)
        session.commit()
    assert saved.moved >= 1
    session.expire_all()
    outcome = session.get(Deadline, outcome.id)
    assert clock.local_date(outcome.due_at, tenant.time_zone) == clock.local_date(
        due_before, tenant.time_zone) + timedelta(days=10)
    assert outcome.case.outcome_due_at == outcome.due_at
    # Both parties hear of the new date on their bell, in their own language.
    from odr.tenants.notifications.models import Notification

    for party in ("customer", "insurer_agent"):
        titles = [n.shown_title if hasattr(n, "shown_title") else n.title for n in session.scalars(
            select(Notification).where(Notification.user_id == people[party].id))]
        assert any(case.reference in t and "is now due by" in t for t in titles), (party, titles)


def test_a_new_limit_applies_to_what_comes_after(app, session, world):
    tenant, people = world
    from odr.tenants.policy_changes import load_form, save

    set_tenant(session, tenant.id)
    with app.test_request_context():
        form = registry.form_values(tenant.policy)
        form["documents__max_bytes"] = "20"
        form["documents__categories"] = ["pdf", "image"]
        save(session, people["admin"], tenant, load_form(form), recompute=False)
        session.commit()
    limits = limits_of(session.get(Tenant, tenant.id))
    assert limits.max_bytes == 20 * 1024 * 1024 and limits.categories == ("pdf", "image")


def test_the_command_line_sets_checks_and_records(app, session, world):
    tenant, _people = world
    runner = app.test_cli_runner()
    result = runner.invoke(args=["policy", "set", "--tenant", tenant.slug, "deadlines.response_days=21",
                                 "screening_rules.file_complete.enabled=off"])
    assert result.exit_code == 0, result.output
    assert "14 days -> 21 days" in result.output and "Open deadlines keep their dates." in result.output
    policy = _policy(session, tenant)
    assert policy["deadlines"]["response_days"] == 21
    assert policy["screening_rules"]["file_complete"]["enabled"] is False
    rows = session.scalars(select(PolicyChange).where(PolicyChange.tenant_id == tenant.id)).all()
    assert {r.actor_label for r in rows} == {OPERATOR} and len(rows) == 2

    bad = runner.invoke(args=["policy", "set", "--tenant", tenant.slug, "deadlines.response_days=-1",
                              "no.such=1"])
    assert bad.exit_code != 0 and "no.such" in bad.output
    bad = runner.invoke(args=["policy", "set", "--tenant", tenant.slug, "deadlines.response_days=-1"])
    assert bad.exit_code != 0 and "From 1 to 90 days." in bad.output
    assert _changes(session, tenant) == 2

    shown = runner.invoke(args=["policy", "show", "--tenant", tenant.slug])
    assert "deadlines.response_days = 21  [21 days; default 14 days]  (changed)" in shown.output


def test_values_read_in_words(app):
    with app.test_request_context():
        reminders = registry.setting_at("deadlines.reminder_days")
        assert reminders.shown([3, 1]) == "3, 1 days before" and reminders.shown([1]) == "1 day before"
        assert reminders.shown([]) == "None"
        assert registry.setting_at("documents.max_bytes").shown(20 * 1024 * 1024) == "20 MB"
        assert registry.setting_at("case_reference_prefix").bounds_text() == "From 2 to 6 letters."
        assert registry.setting_at("screening_rules.file_complete.enabled").shown(False) == "Off"


def test_the_registry_reads_and_writes_nested_paths():
    setting = registry.Setting("a.b.c", "C", "", registry.Kind.DAYS, 5, 1, 9)
    assert setting.value({}) == 5 and setting.value({"a": {"b": {"c": 7}}}) == 7
    assert setting.value({"a": 3}) == 5  # a value where a section should be is no section
    policy = {"a": {"x": 1}}
    assert registry.with_values(policy, {"a.b.c": 8}) == {"a": {"x": 1, "b": {"c": 8}}}
    assert policy == {"a": {"x": 1}}  # a copy, not the tenant's document


def test_every_setting_is_unique_and_its_default_is_valid(app):
    with app.test_request_context():
        paths = [s.path for s in registry.all_settings()]
        assert len(paths) == len(set(paths))
        defaults = {s.path: s.default for s in registry.all_settings()}
        loaded = registry.by_path(registry.schema().load(
            {s.name: s.form_value(s.default) for s in registry.all_settings() if s.form_value(s.default) is not False}))
    assert loaded == defaults
