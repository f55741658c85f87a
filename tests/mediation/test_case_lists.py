"""Case lists: who sees which cases, the filters, the search and the pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from odr.mediation.cases import queries
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.mediation.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from tests import factories
from tests.conftest import sign_in
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import (
    accept,
    refer,
    switch_to,
)
from tests.pages import error_summary


def _refs(page):
    return {case.reference for case in page.items}


@pytest.fixture
def world(app, session, tenant, scoped):
    """Cases of two insurers, one per state of interest, with mediators and a linked customer."""
    agent, manager, mediator = scoped["insurer_agent"], scoped["case_manager"], scoped["mediator"]
    session.add(Organisation(tenant_id=tenant.id, name="Fjord Mutual"))
    session.commit()
    rival = factories.user(session, tenant, Role.INSURER_AGENT, organisation="Fjord Mutual")
    other_mediator = factories.user(session, tenant, Role.MEDIATOR)
    session.commit()
    cases = {
        "referred": refer(app, session, agent, customer_name="Anna Able"),
        "mine": accept(app, session, manager, refer(app, session, agent, customer_name="Chris Customer",
                                                       customer_email=scoped["customer"].email), mediator),
        "rival": accept(app, session, manager, refer(app, session, rival, customer_name="Ben Baker_100%"),
                           other_mediator),
        "unassigned": accept(app, session, manager, refer(app, session, agent, customer_name="Dora Dunn")),
    }
    set_tenant(session, tenant.id)
    return {"cases": cases, "rival": rival, "other_mediator": other_mediator, "people": scoped}


def test_each_role_sees_its_own_cases(session, world, elsewhere):
    cases, people = world["cases"], world["people"]
    set_tenant(session, world["people"]["admin"].tenant_id)
    everything = {c.reference for c in cases.values()}
    expected = {
        "admin": everything,
        "case_manager": everything,
        "mediator": {cases["mine"].reference},
        "insurer_agent": {cases["referred"].reference, cases["mine"].reference, cases["unassigned"].reference},
        "customer": {cases["mine"].reference},
    }
    for role, refs in expected.items():
        assert _refs(queries.list_cases(session, people[role], {})) == refs, role
    assert _refs(queries.list_cases(session, world["rival"], {})) == {cases["rival"].reference}
    # References repeat across tenants; another tenant's case never shows.
    assert elsewhere["case"].reference in everything
    assert all(c.tenant_id == people["admin"].tenant_id for c in queries.list_cases(session, people["admin"], {}).items)


def test_filters_by_state_tier_insurer_and_mediator(session, world):
    cases, admin = world["cases"], world["people"]["admin"]
    fjord = session.scalars(select(Organisation).where(Organisation.name == "Fjord Mutual")).one()

    def refs(**filters):
        return _refs(queries.list_cases(session, admin, filters))

    assert refs(state=[CaseState.REFERRED]) == {cases["referred"].reference}
    assert refs(state=[CaseState.REFERRED, CaseState.OPEN]) == {c.reference for c in cases.values()}
    assert refs(tier=2) == {cases["mine"].reference, cases["rival"].reference, cases["unassigned"].reference}
    assert refs(tier=1) == {cases["referred"].reference}
    assert refs(insurer=fjord.public_id) == {cases["rival"].reference}
    assert refs(mediator=str(world["other_mediator"].public_id)) == {cases["rival"].reference}
    assert refs(mediator="none") == {cases["referred"].reference, cases["unassigned"].reference}
    assert refs(state=[CaseState.OPEN], mediator="none", tier=2) == {cases["unassigned"].reference}


def test_overdue_means_an_open_or_passed_deadline_already_due(session, world):
    cases, admin = world["cases"], world["people"]["admin"]
    assert _refs(queries.list_cases(session, admin, {"overdue": True})) == set()
    late = session.scalars(select(Deadline).where(Deadline.case_id == cases["unassigned"].id,
                                                  Deadline.kind == DeadlineKind.TIER,
                                                  Deadline.status == DeadlineStatus.OPEN)).one()
    late.due_at = utcnow() - timedelta(hours=1)
    passed = session.scalars(select(Deadline).where(Deadline.case_id == cases["referred"].id)).one()
    passed.due_at, passed.status = utcnow() - timedelta(days=2), DeadlineStatus.PASSED
    session.commit()
    page = queries.list_cases(session, admin, {"overdue": True})
    assert _refs(page) == {cases["unassigned"].reference, cases["referred"].reference}
    assert page.overdue_ids == {cases["unassigned"].id, cases["referred"].id}


def test_search_by_reference_or_customer_name_ignores_case_and_wildcards(session, world):
    cases, admin = world["cases"], world["people"]["admin"]

    def refs(q):
        return _refs(queries.list_cases(session, admin, {"q": q}))

    assert refs("anna") == {cases["referred"].reference}
    assert refs("DUNN") == {cases["unassigned"].reference}
    assert refs(cases["mine"].reference.lower()) == {cases["mine"].reference}
    assert refs(cases["mine"].reference[-3:]) == {cases["mine"].reference}
    assert refs("_100%") == {cases["rival"].reference}
    assert refs("%") == {cases["rival"].reference}  # a literal percent sign, not a wildcard
    assert refs("nobody at all") == set()


def test_pages_of_25_with_a_total_and_links(app, client, session, tenant, scoped):
    agent = scoped["insurer_agent"]
    made = [refer(app, session, agent, customer_name=f"Person {n:02d}") for n in range(27)]
    sign_in(client, tenant, agent)
    first = client.get(f"/t/{tenant.slug}/cases?q=person")
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "27 cases match" in html and "Cases, page 1 of 2" in html
    assert html.count('<th scope="row">') == 25
    assert made[-1].reference in html and made[0].reference not in html  # newest first
    assert f'href="/t/{tenant.slug}/cases?q=person&amp;page=2" rel="next"' in html
    assert 'aria-current="page"' in html
    second = client.get(f"/t/{tenant.slug}/cases?q=person&page=2").get_data(as_text=True)
    assert second.count('<th scope="row">') == 2 and made[0].reference in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    beyond = client.get(f"/t/{tenant.slug}/cases?page=9").get_data(as_text=True)
    assert "There are no cases on this page." in beyond


def test_the_list_page_filters_and_shows_what_it_was_asked(app, client, session, tenant, world):
    cases = world["cases"]
    sign_in(client, tenant, world["people"]["case_manager"])
    html = client.get(f"/t/{tenant.slug}/cases?state=open&mediator=none&q=dunn").get_data(as_text=True)
    assert "1 case matches" in html
    assert cases["unassigned"].reference in html and cases["referred"].reference not in html
    assert re.search(r'value="open"\s+checked', html)
    assert '<option value="none" selected>' in html
    assert 'value="dunn"' in html
    assert "£4,250.00" in html and "Clear the filters" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [("state=lost", "state"), ("tier=9", "tier"), ("mediator=someone", "mediator"),
     ("insurer=x", "insurer"), ("tier=two", "tier")],
)
def test_a_bad_filter_is_a_field_error(client, tenant, scoped, query, field):
    sign_in(client, tenant, scoped["case_manager"])
    response = client.get(f"/t/{tenant.slug}/cases?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    [(target, text)] = error_summary(html)
    assert target == field and text.startswith(f"{FILTER_LABELS[field]}: ")  # the summary names the filter


FILTER_LABELS = {"state": "State", "tier": "Tier", "insurer": "Insurer", "mediator": "Mediator"}


def test_a_page_that_cannot_exist_is_explained(client, tenant, scoped):
    sign_in(client, tenant, scoped["case_manager"])
    response = client.get(f"/t/{tenant.slug}/cases?page=0")
    assert response.status_code == 400
    assert "Choose a page from 1 on." in response.get_data(as_text=True)


def test_filters_for_insurers_and_mediators_are_offered_to_staff_only(client, session, tenant, world):
    people = world["people"]
    sign_in(client, tenant, people["case_manager"])
    staff = client.get(f"/t/{tenant.slug}/cases").get_data(as_text=True)
    assert 'id="insurer"' in staff and 'id="mediator"' in staff
    switch_to(client, session, tenant, people["customer"])
    customer = client.get(f"/t/{tenant.slug}/cases").get_data(as_text=True)
    assert 'id="insurer"' not in customer and 'id="mediator"' not in customer
    assert "Find cases" not in customer  # one case: nothing to filter
    assert world["cases"]["mine"].reference in customer
    assert world["cases"]["rival"].reference not in customer


def test_anonymous_visitors_are_sent_to_sign_in(client, tenant):
    response = client.get(f"/t/{tenant.slug}/cases")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/t/{tenant.slug}/sign-in?next=")


def test_a_customer_signed_in_by_link_sees_their_case_on_the_dashboard(client, session, tenant, world):
    sign_in_as(client, session, tenant, world["people"]["customer"])
    html = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "Your cases" in html and world["cases"]["mine"].reference in html
    assert world["cases"]["referred"].reference not in html


def test_a_slash_in_the_search_is_taken_literally_too(app, session, scoped):
    agent, admin = scoped["insurer_agent"], scoped["admin"]
    slashed = refer(app, session, agent, customer_name="Eve Evans/Brown")
    refer(app, session, agent, customer_name="Eve Evans")

    def refs(q):
        return _refs(queries.list_cases(session, admin, {"q": q}))

    assert refs("evans/b") == {slashed.reference}
    assert refs("/") == {slashed.reference}
    assert refs("s/%") == set()


@pytest.mark.parametrize("search", [{"q": "counted"}, {}], ids=["search", "no-search"])
def test_the_count_stops_at_its_limit_and_says_more(app, session, scoped, search):
    agent, admin = scoped["insurer_agent"], scoped["admin"]
    made = [refer(app, session, agent, customer_name=f"Counted {n}") for n in range(7)]
    newest_first = [case.reference for case in reversed(made)]

    def page(n, **limit):
        return queries.list_cases(session, admin, {**search, "page": n}, page_size=2, **limit)

    first = page(1, count_limit=3)
    assert (first.total, first.more, first.has_next) == (3, True, True)
    assert [c.reference for c in first.items] == newest_first[:2]
    # Deeper than the limit, the count reaches at least to the end of the page asked for.
    third = page(3, count_limit=3)
    assert (third.total, third.more, third.has_next) == (6, True, True)
    assert [c.reference for c in third.items] == newest_first[4:6]
    last = page(4, count_limit=3)
    assert (last.total, last.more, last.has_next, last.pages) == (7, False, False, 4)
    assert [c.reference for c in last.items] == newest_first[6:]
    # Without a limit (the API), the count is exact; within the limit, it is exact too.
    assert (page(1).total, page(1).more, page(1).pages) == (7, False, 4)
    assert (page(1, count_limit=7).total, page(1, count_limit=7).more) == (7, False)
    assert (page(9, count_limit=3).total, page(9, count_limit=3).items) == (7, [])
    nothing = queries.list_cases(session, admin, {**search, "q": "nobody at all"}, count_limit=3)
    assert (nothing.total, nothing.more, nothing.items) == (0, False, [])


def test_a_long_list_says_more_than_and_links_onwards_without_a_last_page(app, client, session, tenant, scoped,
                                                                          monkeypatch):
    agent = scoped["insurer_agent"]
    for n in range(27):
        refer(app, session, agent, customer_name=f"Person {n:02d}")
    monkeypatch.setattr(queries, "COUNT_LIMIT", 25)
    sign_in(client, tenant, agent)
    html = client.get(f"/t/{tenant.slug}/cases?q=person").get_data(as_text=True)
    assert "More than 25 cases match" in html and "Cases, page 1<" in html
    assert f'href="/t/{tenant.slug}/cases?q=person&amp;page=2" rel="next"' in html
    assert 'aria-label="Page 2"' in html and 'aria-label="Page 3"' not in html
    # The last page is counted exactly again.
    last = client.get(f"/t/{tenant.slug}/cases?q=person&page=2").get_data(as_text=True)
    assert "27 cases match" in last and "Cases, page 2 of 2" in last and 'rel="next"' not in last
    everything = client.get(f"/t/{tenant.slug}/cases").get_data(as_text=True)
    assert re.search(r"More than 25 cases\s*</h2>", everything)
    german = client.get(f"/t/{tenant.slug}/cases", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Mehr als 25 Fälle" in german and "Fälle, Seite 1<" in german
    dashboard = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    assert "See more than 25 in the list of cases" in dashboard


def test_search_can_use_the_trigram_indexes_on_postgresql(session, scoped):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    query = select(Case.id).where(queries.matching("kowal"))
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")  # a table of a few rows
    plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {compiled}").scalars())
    assert "ix_cases_reference_trgm" in plan and "ix_cases_customer_name_trgm" in plan
