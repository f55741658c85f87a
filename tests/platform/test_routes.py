"""The route matrix walked: every route the app serves has a row in tests/platform/routes.py, and each
role, an anonymous visitor and a user of another tenant get exactly what the row says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from sqlalchemy import select

from odr.mediation.deadlines.models import CaseTask
from odr.mediation.documents.models import Document
from odr.platform import calendar as clock
from odr.platform.db import utcnow
from odr.platform.tenancy import set_tenant
from odr.tenants.models import Organisation, Role
from odr.tenants.notifications.models import EmailTemplate, Notification
from tests import factories
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import NOW, form_token, open_case, refer
from tests.mediation.documents_support import share_documents, use_local_store
from tests.platform.routes import PUBLIC, ROLES, ROUTES, TABLE, UNLISTED, WHO, requests_of

SIGNED_IN_ELSEWHERE = "signed_in_elsewhere"  # gets what the anonymous column says


def test_the_table_has_a_row_for_every_route_the_app_serves(app):
    served = {(method, rule.endpoint) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served - UNLISTED == set(ROUTES) | PUBLIC
    assert not set(ROUTES) & PUBLIC


# The world: our tenant with one user of each role, another tenant, and the records of each section ------


@pytest.fixture
def world(app, session, tenant, people):
    """Our tenant and its people; another tenant with an admin and an insurer agent."""
    other = factories.tenant(session)
    set_tenant(session, other.id)
    theirs = {role.value: factories.user(session, other, role) for role in (Role.ADMIN, Role.INSURER_AGENT)}
    session.commit()
    set_tenant(session, None)
    return {"tenant": tenant, "people": people, "other": other, "theirs": theirs}


def _tenants(app, session, world, _request) -> tuple[dict, dict]:
    """A user, two invitations (one to resend, one to withdraw) and the insurer organisation, in each tenant."""
    people, their_admin = world["people"], world["theirs"]["admin"]
    with app.app_context():
        set_tenant(session, world["tenant"].id)
        resend, _token = factories.invitation(session, people["admin"])
        revoke, _token = factories.invitation(session, people["admin"])
        set_tenant(session, world["other"].id)
        theirs, _token = factories.invitation(session, their_admin)
        session.commit()
    their_organisation = session.scalars(select(Organisation).where(Organisation.tenant_id == world["other"].id)).one()
    own = {"user": people["mediator"].public_id, "resend": resend.public_id, "revoke": revoke.public_id,
           "organisation": people["insurer_agent"].organisation.public_id}
    other = {"user": their_admin.public_id, "resend": theirs.public_id, "revoke": theirs.public_id,
             "organisation": their_organisation.public_id}
    return own, other


def _notification(session, tenant, user) -> Any:
    """A notification for ``user``; its public id."""
    set_tenant(session, tenant.id)
    row = Notification(tenant_id=tenant.id, user_id=user.id, kind="test", title="For the admin",
                       link=f"/t/{tenant.slug}/")
    session.add(row)
    session.commit()
    return row.public_id


def _notifications(app, session, world, _request) -> tuple[dict, dict]:
    """A notification of each tenant's admin."""
    return ({"notification": _notification(session, world["tenant"], world["people"]["admin"])},
            {"notification": _notification(session, world["other"], world["theirs"]["admin"])})


def _email_templates(app, session, world, _request) -> tuple[dict, dict]:
    """Nothing: a wording is named by its key and language."""
    return {}, {}


def _their_case(app, session, world) -> Any:
    """A case the other tenant's insurer agent referred."""
    return refer(app, session, world["theirs"]["insurer_agent"])


def _cases(app, session, world, _request) -> tuple[dict, dict]:
    """An open case here with everyone in it; a referred case there."""
    world["case"] = open_case(app, session, world["people"])
    return {"case": world["case"].public_id}, {"case": _their_case(app, session, world).public_id}


def _task(session, tenant, case) -> Any:
    """An open task to phone the customer of ``case``; its public id."""
    set_tenant(session, tenant.id)
    session.add(CaseTask(tenant_id=tenant.id, case_id=case.id, kind="phone_party", party="customer",
                         description="Phone the customer"))
    session.commit()
    return session.scalars(select(CaseTask).where(CaseTask.case_id == case.id)).one().public_id


def _contact(app, session, world, _request) -> tuple[dict, dict]:
    """A case here without a mediator, opened on NOW; in each tenant a case with a task to phone the customer."""
    tenant = world["tenant"]
    with time_machine.travel(NOW, tick=False), app.app_context():
        case = open_case(app, session, world["people"], mediator=False)
    theirs = _their_case(app, session, world)
    today = clock.local_date(utcnow(), tenant.time_zone).isoformat()
    return ({"case": case.public_id, "task": _task(session, tenant, case), "today": today},
            {"case": theirs.public_id, "task": _task(session, world["other"], theirs), "today": today})


def _rooms(app, session, world, _request) -> tuple[dict, dict]:
    """An open case here with everyone in its room; a referred case there."""
    case = open_case(app, session, world["people"])
    return {"case": case.public_id}, {"case": _their_case(app, session, world).public_id}


def _documents(app, session, world, request) -> tuple[dict, dict]:
    """The insurer's joint and caucus documents in an open case here, on a local store; a document there."""
    use_local_store(app, request.getfixturevalue("tmp_path"), request.getfixturevalue("monkeypatch"))
    case, theirs = open_case(app, session, world["people"]), _their_case(app, session, world)
    shared = share_documents(app, session, {**world, "case": case,
                                            "elsewhere": {"tenant": world["other"], "case": theirs}})
    return ({"case": case.public_id, "document": shared["documents"]["caucus"].public_id},
            {"case": theirs.public_id, "document": shared["other_document"].public_id})


def _offers(app, session, world, _request) -> tuple[dict, dict]:
    """An open case here with the insurer's open offer, its offer to the mediator only and the mediator's
    open proposal; a referred case there (none of them can be reached through it)."""
    from odr.mediation.offers import proposals
    from odr.mediation.offers import services as offers
    from odr.mediation.offers.schemas import OfferSchema, ProposalSchema
    from odr.platform.schemas import load

    people = world["people"]
    case = open_case(app, session, people)
    set_tenant(session, world["tenant"].id)
    with app.test_request_context():
        offer = offers.make_offer(session, people["insurer_agent"], case,
                                  load(OfferSchema(), {"amount": "3000", "currency": case.currency}))
        caucus = offers.make_offer(session, people["insurer_agent"], case, load(OfferSchema(), {
            "amount": "3500", "currency": case.currency, "channel": "caucus"}))
        proposal = proposals.propose(session, people["mediator"], case,
                                     load(ProposalSchema(), {"amount": "3200", "currency": case.currency}))
        session.commit()
    world["proposal"], world["caucus_offer"] = proposal.id, caucus.id
    ids = {"offer": offer.public_id, "caucus_offer": caucus.public_id, "proposal": proposal.public_id}
    return {"case": case.public_id, **ids}, {"case": _their_case(app, session, world).public_id, **ids}


def _agreements(app, session, world, _request) -> tuple[dict, dict]:
    """An open case here whose insurer's offer the customer accepted (a draft agreement); a referred case there."""
    from odr.mediation.offers import services as offers
    from odr.mediation.offers.schemas import OfferSchema
    from odr.platform.schemas import load

    people = world["people"]
    case = open_case(app, session, people)
    set_tenant(session, world["tenant"].id)
    with app.test_request_context():
        offer = offers.make_offer(session, people["insurer_agent"], case,
                                  load(OfferSchema(), {"amount": "3000", "currency": case.currency}))
        offers.respond(session, people["customer"], offer, "accept")
        session.commit()
    return {"case": case.public_id}, {"case": _their_case(app, session, world).public_id}


def _bidding(app, session, world, _request) -> tuple[dict, dict]:
    """An open case here whose blind bidding both sides opted in to; a referred case there."""
    from odr.mediation.bidding import services as bidding

    case = open_case(app, session, world["people"])
    set_tenant(session, world["tenant"].id)
    with app.test_request_context():
        bidding.opt_in(session, world["people"]["insurer_agent"], case)
        bidding.opt_in(session, world["people"]["customer"], case)
        session.commit()
    return {"case": case.public_id}, {"case": _their_case(app, session, world).public_id}


# Each section's records: what its routes act on here, and the same kind of record in the other tenant.
SETUPS: dict[str, Callable[..., tuple[dict, dict]]] = {
    "tenants": _tenants,
    "notifications": _notifications,
    "email_templates": _email_templates,
    "cases": _cases,
    "contact": _contact,
    "rooms": _rooms,
    "documents": _documents,
    "offers": _offers,
    "agreements": _agreements,
    "bidding": _bidding,
}


def _unchanged(section: str, session, world, who: str) -> None:
    """The section's refusals changed nothing: the case is as opened, no document or wording was added."""
    session.expire_all()
    set_tenant(session, world["tenant"].id)
    if section == "cases":
        case = world["case"]
        assert case.state.value == "open" and not case.clock_extended and case.tier == 2
    if section == "documents":
        assert len(session.scalars(select(Document)).all()) == 2
    if section == "offers":
        from odr.mediation.offers.models import Offer, Proposal

        proposal, caucus = session.get(Proposal, world["proposal"]), session.get(Offer, world["caucus_offer"])
        assert (proposal.customer_answer, proposal.insurer_answer, proposal.status.value) == (None, None, "open")
        assert (caucus.conveyed_at, caucus.status.value) == (None, "open")
    if section == "bidding":
        from odr.mediation.bidding.models import BlindBid

        assert session.scalars(select(BlindBid)).all() == []
    if section == "email_templates":
        assert session.scalars(select(EmailTemplate)).all() == [] or who == "admin"


@pytest.fixture
def section_world(request, app, session, world):
    """The world with the records of the test's section: its own tenant's, and the other tenant's."""
    section = request.node.callspec.params["section"]
    own, other = SETUPS[section](app, session, world, request)
    slug = world["tenant"].slug
    return {**world, "own": {"slug": slug, **own}, "others": {"slug": slug, **other}}


# Walking the table ---------------------------------------------------------------------------------------


def _send(client, token: str, method: str, endpoint: str, path: str, body: dict[str, str]) -> Any:
    """The request as a browser sends a page's form, or as a script calls the API."""
    if method == "GET":
        return client.get(path)
    if endpoint.split(".")[0].endswith("_api"):
        return client.open(path, method=method, json=body, headers={"X-CSRFToken": token})
    return client.open(path, method=method, data={"csrf_token": token, **body})


def _walk(client, tenant, section: str, targets: dict, keys) -> tuple[dict, dict]:
    """The status of each route of ``keys``; and where each 302 went, beside the sign-in page it must be."""
    token = form_token(client, tenant)
    requests = requests_of(section, targets)
    statuses, redirects = {}, {}
    for method, endpoint in keys:
        path, body = requests[endpoint]
        response = _send(client, token, method, endpoint, path, body)
        statuses[(method, endpoint)] = response.status_code
        if response.status_code == 302:
            # Back to the page after signing in; a form cannot be sent again, so its page is not named.
            sign_in = f"/t/{tenant.slug}/sign-in" + (f"?next={quote(path, safe='/')}" if method == "GET" else "")
            redirects[(method, endpoint)] = (response.headers["Location"], sign_in)
        if response.status_code == 401:
            assert response.get_json()["error"]["code"] == "unauthenticated", (method, endpoint)
    return statuses, redirects


@pytest.mark.parametrize("who", [*WHO, SIGNED_IN_ELSEWHERE])
@pytest.mark.parametrize("section", list(TABLE))
def test_each_role_gets_what_the_table_says(app, session, section_world, section, who):
    world = section_world
    client = app.test_client()
    if who in ROLES:
        sign_in_as(client, session, world["tenant"], world["people"][who])
    elif who == SIGNED_IN_ELSEWHERE:
        sign_in_as(client, session, world["other"], world["theirs"]["admin"])
        assert client.get(f"/t/{world['other'].slug}/admin/users").status_code == 200
    column = WHO.index(who if who in WHO else "anonymous")
    rows = TABLE[section]
    statuses, redirects = _walk(client, world["tenant"], section, world["own"], rows)
    assert statuses == {key: row.own[column] for key, row in rows.items()}
    assert all(location == sign_in for location, sign_in in redirects.values()), redirects
    _unchanged(section, session, world, who)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("section", [name for name, rows in TABLE.items() if any(row.other for row in rows.values())])
def test_another_tenants_records_get_what_the_table_says(app, session, section_world, section, role):
    world = section_world
    client = app.test_client()
    sign_in_as(client, session, world["tenant"], world["people"][role])
    rows = {key: row for key, row in TABLE[section].items() if row.other is not None}
    statuses, _redirects = _walk(client, world["tenant"], section, world["others"], rows)
    assert statuses == {key: row.other[ROLES.index(role)] for key, row in rows.items()}
