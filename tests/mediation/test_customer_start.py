"""Where a customer starts: the room of their case once it is in mediation, and a dashboard whose
"What happens next" says where their case actually stands."""

from __future__ import annotations

import re

import pytest

from odr.mediation.cases import services as cases
from odr.mediation.core.states import CaseState
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import post_form, sign_in
from tests.mailbox import sign_in_with_link
from tests.mediation.case_helpers import html_of, open_case, refer


@pytest.fixture
def world(app, session):
    return factories.tenant_with_people(session)


def _current_step(html: str) -> str | None:
    match = re.search(r'aria-current="step">\s*<span class="step__state">[^<]*</span>\s*([^<]+?)\s*</li>', html)
    return match.group(1) if match else None


def test_a_customer_whose_case_is_in_mediation_lands_in_its_room(app, client, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    response = sign_in_with_link(client, session, tenant, people["customer"])
    assert response.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}/room"
    assert client.get(response.headers["Location"]).status_code == 200


def test_the_page_a_customer_asked_for_comes_first(app, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    from odr.tenants.web import landing_for

    asked = f"/t/{tenant.slug}/cases/{case.public_id}"
    with app.test_request_context(f"/t/{tenant.slug}/"):
        from flask import g
        g.tenant = tenant
        assert landing_for(people["customer"], asked) == asked
        assert landing_for(people["customer"], f"/t/{tenant.slug}/") == f"{asked}/room"


def test_staff_still_start_on_their_dashboard(app, client, session, world):
    tenant, people = world
    open_case(app, session, people)
    response = sign_in(client, tenant, people["mediator"])
    assert response.headers["Location"] == f"/t/{tenant.slug}/"


def test_two_cases_in_mediation_start_on_the_dashboard_which_lists_both(app, client, session, world):
    tenant, people = world
    first = open_case(app, session, people, policy_number="POL-1")
    second = open_case(app, session, people, policy_number="POL-2")
    response = sign_in_with_link(client, session, tenant, people["customer"])
    assert response.headers["Location"] == f"/t/{tenant.slug}/"
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert first.reference in html and second.reference in html


def test_while_the_case_is_checked_the_first_step_is_the_current_one(app, client, session, world):
    tenant, people = world
    customer = people["customer"]
    case = refer(app, session, people["insurer_agent"], customer_email=customer.email,
                 customer_name=customer.full_name)
    case.customer_id = customer.id  # a customer with an account already: their new case is theirs at once
    session.commit()
    sign_in_with_link(client, session, tenant, customer)
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert "The complaint has arrived. A case manager will check whether we can take it on." in html
    assert _current_step(html) == "Your case is checked to see whether we can take it on."
    assert "Go to the case room" not in html


def test_an_open_case_names_its_mediator_and_the_way_to_its_room(app, client, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    sign_in_with_link(client, session, tenant, people["customer"])
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert f"Your case {case.reference} is open. Your mediator is {people['mediator'].full_name}." in html
    assert f'href="/t/{tenant.slug}/cases/{case.public_id}/room">Go to the case room' in html
    assert _current_step(html).startswith("A mediator is assigned.")
    assert "Done:" in html


def test_a_case_that_ended_says_so_instead_of_the_steps(app, client, session, world):
    tenant, people = world
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    with app.test_request_context():
        cases.record_outcome(session, people["mediator"], case, CaseState.NOT_SETTLED,
                             {"reason": "No agreement on the amount."})
        session.commit()
    response = sign_in_with_link(client, session, tenant, people["customer"])
    assert response.headers["Location"] == f"/t/{tenant.slug}/"  # no room to land in
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert "The mediation ended without an agreement. The case will be closed." in html
    assert 'class="steps"' not in html and _current_step(html) is None
    assert f"See the case {case.reference}" in html


def test_the_dashboard_reads_in_german(app, client, session, world):
    tenant, people = world
    open_case(app, session, people)
    sign_in_with_link(client, session, tenant, people["customer"])
    post_form(client, "/language", {"language": "de"})
    html = html_of(client.get(f"/t/{tenant.slug}/"))
    assert "Zum Fallraum" in html and "Wie es weitergeht" in html
