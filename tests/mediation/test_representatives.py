"""Representatives on the case page: invited, named as such, seeing one side only, and removed at once."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, JOINT, STAFF, append_event
from odr.mediation.core.models import Representative, Side
from odr.platform.mail import OutboxEmail
from tests.conftest import sign_in
from tests.mailbox import emails_to, last_link, sign_in_as
from tests.mediation.case_helpers import field_error, form_token, html_of, open_case, post_page, refer


def _stored(session):
    """How many representatives and e-mails exist (all tenants)."""
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model).execution_options(all_tenants=True))
        for model in (Representative, OutboxEmail)
    )


def _invite(client, tenant, case, **fields):
    data = {f"representative-{key}": value for key, value in fields.items()}
    return post_page(client, tenant, f"/cases/{case.public_id}/representatives", data)


def _with_events(app, session, case, actor):
    """One event in each channel, each with a reason that the timeline shows."""
    texts = {}
    with app.test_request_context():
        for channel in (JOINT, CAUCUS_CUSTOMER, CAUCUS_INSURER, STAFF):
            texts[channel] = f"A word in the {channel} channel"
            append_event(session, case, "case.state_changed", actor=actor, channel=channel,
                         payload={"from": "open", "to": "open", "reason": texts[channel]})
        session.commit()
    return texts


def test_the_customer_invites_a_representative_who_sees_the_customers_side_only(app, client, session, tenant,
                                                                                  scoped):
    customer = scoped["customer"]
    case = open_case(app, session, scoped)
    sign_in_as(client, session, tenant, customer)
    page = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "Invite a representative" in page and 'name="representative-side"' not in page

    response = _invite(client, tenant, case, full_name="Rita Rep", email="rita@example.org",
                       relationship="Daughter")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    page = html_of(client.get(response.headers["Location"]))
    assert "Rita Rep is invited to act in case" in page
    assert "Rita Rep, representative of the customer" in page and "(Daughter)" in page

    [email] = emails_to(session, "rita@example.org")
    assert "invited" in email.subject and f"/t/{tenant.slug}/links/" in email.body_text
    texts = _with_events(app, session, case, scoped["mediator"])

    rep_client = app.test_client()
    link = last_link(session, "rita@example.org")
    rep_client.get(link)
    landed = rep_client.post(link, data={"csrf_token": form_token(rep_client, tenant)})
    assert landed.status_code == 303
    assert landed.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    page = html_of(rep_client.get(landed.headers["Location"]))
    assert f"Case {case.reference}" in page
    assert "Rita Rep, representative of the customer" in page
    assert texts[JOINT] in page and texts[CAUCUS_CUSTOMER] in page
    assert texts[CAUCUS_INSURER] not in page and texts[STAFF] not in page
    # A representative acts for the party but does not manage the party's representatives.
    assert "Invite a representative" not in page and "data-confirm=\"Remove" not in page


def test_staff_add_an_insurer_side_representative(app, client, session, tenant, scoped):
    manager = scoped["case_manager"]
    case = open_case(app, session, scoped)
    texts = _with_events(app, session, case, scoped["mediator"])
    sign_in(client, tenant, manager)
    page = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert 'name="representative-side"' in page
    response = _invite(client, tenant, case, full_name="Larry Lawyer", email="larry@lawfirm.example",
                       relationship="Solicitor", side="insurer")
    assert response.status_code == 303
    session.expire_all()
    [rep] = session.scalars(select(Representative).where(Representative.case_id == case.id)).all()
    assert rep.side is Side.INSURER and rep.added_by_id == manager.id and rep.user_id is None
    assert "Larry Lawyer, representative of the insurer" in html_of(client.get(response.headers["Location"]))

    rep_client = app.test_client()
    link = last_link(session, "larry@lawfirm.example")
    rep_client.get(link)
    landed = rep_client.post(link, data={"csrf_token": form_token(rep_client, tenant)})
    page = html_of(rep_client.get(landed.headers["Location"]))
    assert texts[JOINT] in page and texts[CAUCUS_INSURER] in page
    assert texts[CAUCUS_CUSTOMER] not in page and texts[STAFF] not in page


def test_removing_a_representative_ends_their_access_at_once(app, client, session, tenant, scoped):
    customer = scoped["customer"]
    case = open_case(app, session, scoped)
    sign_in_as(client, session, tenant, customer)
    assert _invite(client, tenant, case, full_name="Rita Rep", email="rita@example.org").status_code == 303

    rep_client = app.test_client()
    link = last_link(session, "rita@example.org")
    rep_client.get(link)
    rep_client.post(link, data={"csrf_token": form_token(rep_client, tenant)})
    case_path = f"/t/{tenant.slug}/cases/{case.public_id}"
    assert rep_client.get(case_path).status_code == 200

    page = html_of(client.get(case_path))
    rep = session.scalars(select(Representative).where(Representative.case_id == case.id)).one()
    remove = f"/cases/{case.public_id}/representatives/{rep.id}/remove"
    assert f'action="/t/{tenant.slug}{remove}"' in page
    assert re.search(r'<form method="post" action="[^"]+/remove"[^>]*\sdata-confirm="Remove Rita Rep', page)

    response = post_page(client, tenant, remove)
    assert response.status_code == 303
    page = html_of(client.get(response.headers["Location"]))
    assert "Rita Rep no longer represents a party" in page
    assert "Rita Rep, representative of the customer" not in page
    assert rep_client.get(case_path).status_code == 404
    # Removed once, gone: a second removal finds nothing.
    assert post_page(client, tenant, remove).status_code == 404


def test_bad_input_gives_field_errors_and_stores_nothing(app, client, session, tenant, scoped):
    customer = scoped["customer"]
    case = open_case(app, session, scoped)
    sign_in_as(client, session, tenant, customer)
    assert _invite(client, tenant, case, full_name="Rita Rep", email="rita@example.org").status_code == 303
    before = _stored(session)
    cases = [
        ({"full_name": "Rita Rep", "email": "not-an-address"}, "representative-email"),
        ({"full_name": "   ", "email": "sam@example.org"}, "representative-full_name"),
        ({"full_name": "Rita Again", "email": "RITA@example.org"}, "representative-email"),
        ({"full_name": "Mia Mediator", "email": scoped["mediator"].email}, "representative-email"),
        ({"full_name": "Carl Manager", "email": scoped["case_manager"].email}, "representative-email"),
    ]
    for fields, field in cases:
        response = _invite(client, tenant, case, **fields)
        assert response.status_code == 400, fields
        html = html_of(response)
        assert field_error(html, field), (fields, html[:2000])
        assert 'class="error-summary"' in html
        assert _stored(session) == before, fields
    # What was typed comes back in the form.
    html = html_of(_invite(client, tenant, case, full_name="Sam Smith", email="sam@"))
    assert 'value="Sam Smith"' in html and 'value="sam@"' in html


def test_an_insurer_agent_cannot_add_a_representative(app, client, session, tenant, scoped):
    case = open_case(app, session, scoped)
    sign_in(client, tenant, scoped["insurer_agent"])
    assert "Invite a representative" not in html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    before = _stored(session)
    response = _invite(client, tenant, case, full_name="Rita Rep", email="rita@example.org", side="customer")
    assert response.status_code in (403, 404)
    assert _stored(session) == before


def test_a_removed_representative_can_be_invited_again(app, session, tenant, scoped):
    """Removing and re-inviting the same address reactivates the one row the case keeps per address."""
    from odr.mediation.cases import services as case_services
    from odr.mediation.core.models import Representative

    manager = scoped["case_manager"]
    case = refer(app, session, scoped["insurer_agent"])
    with app.app_context():
        data = {"email": "rep@example.org", "full_name": "Robin Rep", "side": "customer"}
        rep = case_services.add_representative(session, manager, case, data, base_url="http://x", invitation_days=7)
        case_services.remove_representative(session, manager, case, rep)
        again = case_services.add_representative(session, manager, case, data, base_url="http://x",
                                                 invitation_days=7)
        session.flush()
    assert again.id == rep.id and again.removed_at is None
    assert len(session.scalars(select(Representative)).all()) == 1
