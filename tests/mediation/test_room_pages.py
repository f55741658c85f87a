"""The room's pages: the room without JavaScript, its forms, reply templates, and who may open what."""

from __future__ import annotations

from sqlalchemy import func, select

from odr.mediation.core.events import CaseEvent
from odr.mediation.rooms.models import Message, ReplyTemplate
from odr.mediation.rooms.presenting import linkify
from odr.platform.tenancy import set_tenant
from tests.conftest import post_form
from tests.mailbox import sign_in_as
from tests.mediation.room_helpers import client_id


def browser(app, session, tenant, user):
    """A signed-in browser for ``user``."""
    client = app.test_client()
    sign_in_as(client, session, tenant, user)
    return client


def room_path(tenant, case, channel=None):
    """The room's address."""
    path = f"/t/{tenant.slug}/cases/{case.public_id}/room"
    return f"{path}?channel={channel}" if channel else path


def write(client, tenant, case, text, channel="joint"):
    """Post a message through the page's form."""
    return post_form(client, f"/t/{tenant.slug}/cases/{case.public_id}/room/messages",
                     {"channel": channel, "client_id": client_id(), "text": text}, from_path=room_path(tenant, case))


def test_each_participant_opens_the_room_and_the_case_page_links_to_it(app, session, tenant, people, case):
    for role in ("mediator", "insurer_agent", "customer", "case_manager", "admin"):
        client = browser(app, session, tenant, people[role])
        page = client.get(room_path(tenant, case))
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert "data-room" in html and case.reference in html
        assert room_path(tenant, case) in client.get(f"/t/{tenant.slug}/cases/{case.public_id}").get_data(as_text=True)


def test_a_message_written_without_javascript_shows_as_text_with_safe_links(app, session, tenant, people, case):
    customer = browser(app, session, tenant, people["customer"])
    response = write(customer, tenant, case, "See <b>this</b>: https://example.org/claim?id=1.\nThanks")
    assert response.status_code == 303
    html = browser(app, session, tenant, people["insurer_agent"]).get(room_path(tenant, case)).get_data(as_text=True)
    assert "&lt;b&gt;this&lt;/b&gt;" in html and "<b>this</b>" not in html
    assert '<a href="https://example.org/claim?id=1" rel="noopener noreferrer nofollow" target="_blank">' in html


def test_linkify_never_lets_markup_through():
    html = str(linkify('x https://e.org/"onmouseover="alert(1) <script>y</script> javascript:alert(1)'))
    assert "<script>" not in html and 'href="javascript' not in html
    assert '"onmouseover' not in html


def test_a_caucus_stays_private_on_the_page(app, session, tenant, people, case):
    customer = browser(app, session, tenant, people["customer"])
    write(customer, tenant, case, "My bottom line is 3,000", channel="caucus:customer")
    agent = browser(app, session, tenant, people["insurer_agent"])
    for channel in (None, "caucus:customer", "joint", "caucus:insurer"):
        html = agent.get(room_path(tenant, case, channel)).get_data(as_text=True)
        assert "My bottom line" not in html
        assert 'data-channel-link="caucus:customer"' not in html
    mediator = browser(app, session, tenant, people["mediator"])
    assert "My bottom line" in mediator.get(room_path(tenant, case, "caucus:customer")).get_data(as_text=True)


def test_a_refused_message_comes_back_with_the_reason_and_changes_nothing(app, session, tenant, people, case):
    before = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    customer = browser(app, session, tenant, people["customer"])
    response = write(customer, tenant, case, "y" * 10_001)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "at most 10,000 characters" in html and 'aria-invalid="true"' in html
    assert '<a href="#text">Your message: A message can be at most' in html  # the summary names the field
    response = write(customer, tenant, case, "Peeking", channel="caucus:insurer")
    assert response.status_code == 400  # refused in the form, the page says why
    # The channel is no field the person fills in: the page says to reload it, and links to nothing.
    response = post_form(customer, f"/t/{tenant.slug}/cases/{case.public_id}/room/messages",
                         {"channel": "nowhere", "client_id": client_id(), "text": "Hello"},
                         from_path=room_path(tenant, case))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This page was out of date, so that could not be done. Reload the page and try again." in html
    assert 'href="#channel"' not in html and ">Hello</textarea>" in html
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == before


def test_the_mediator_switches_shuttle_only_and_the_parties_are_told(app, session, tenant, people, case):
    mediator = browser(app, session, tenant, people["mediator"])
    response = post_form(mediator, f"/t/{tenant.slug}/cases/{case.public_id}/room/mode",
                         {"shuttle_only": "true", "reason": "A cooling-off period"}, from_path=room_path(tenant, case))
    assert response.status_code == 303
    customer = browser(app, session, tenant, people["customer"])
    html = customer.get(room_path(tenant, case)).get_data(as_text=True)
    assert "speaks with each side separately" in html and "A cooling-off period" in html
    assert 'data-composer' not in html  # no composer in the joint channel now
    assert write(customer, tenant, case, "Let me speak").status_code == 400
    assert 'data-composer' in customer.get(room_path(tenant, case, "caucus:customer")).get_data(as_text=True)


def test_the_mediator_carries_a_message_across_by_form(app, session, tenant, people, case):
    customer = browser(app, session, tenant, people["customer"])
    write(customer, tenant, case, "Tell them I accept 3,000", channel="caucus:customer")
    seq = session.scalar(select(func.max(Message.seq)).where(Message.case_id == case.id))
    mediator = browser(app, session, tenant, people["mediator"])
    response = post_form(mediator, f"/t/{tenant.slug}/cases/{case.public_id}/room/carry",
                         {"seq": seq, "to": "caucus:insurer"}, from_path=room_path(tenant, case, "caucus:customer"))
    assert response.status_code == 303
    agent = browser(app, session, tenant, people["insurer_agent"])
    html = agent.get(room_path(tenant, case, "caucus:insurer")).get_data(as_text=True)
    assert "Tell them I accept 3,000" in html and "Carried across by the mediator" in html


def test_reply_templates_personal_and_shared(app, session, tenant, people, case):
    mediator = browser(app, session, tenant, people["mediator"])
    path = f"/t/{tenant.slug}/reply-templates"
    assert post_form(mediator, path, {"title": "Welcome", "text": "Welcome, {customer}. Case {reference}."},
                     from_path=path).status_code == 303
    refused = post_form(mediator, path, {"title": "Shared", "text": "For all", "shared": "y"}, from_path=path)
    assert refused.status_code == 403
    blank = post_form(mediator, path, {"title": "", "text": ""}, from_path=path)
    assert blank.status_code == 400 and 'aria-invalid="true"' in blank.get_data(as_text=True)
    manager = browser(app, session, tenant, people["case_manager"])
    assert post_form(manager, path, {"title": "House style", "text": "Thank you for your patience.",
                                     "shared": "y"}, from_path=path).status_code == 303
    set_tenant(session, tenant.id)
    assert session.scalar(select(func.count()).select_from(ReplyTemplate)) == 2
    html = mediator.get(room_path(tenant, case)).get_data(as_text=True)
    assert "House style" in html and "Welcome" in html
    assert f"Welcome, {case.customer_name}. Case {case.reference}." in html
    other_mediator_templates = browser(app, session, tenant, people["customer"]).get(path)
    assert other_mediator_templates.status_code == 403


def test_the_room_of_a_case_in_screening_or_elsewhere_is_not_there(app, session, tenant, people, elsewhere):
    admin = browser(app, session, tenant, people["admin"])
    assert admin.get(room_path(tenant, elsewhere["case"])).status_code == 404
    assert admin.get(f"/t/{tenant.slug}/cases/not-a-uuid/room").status_code == 404


def test_someone_outside_the_case_cannot_open_its_room(app, session, tenant, people, case):
    from odr.tenants.models import Role
    from tests import factories

    set_tenant(session, tenant.id)
    stranger = factories.user(session, tenant, Role.MEDIATOR)
    session.commit()
    client = browser(app, session, tenant, stranger)
    assert client.get(room_path(tenant, case)).status_code == 404
    assert write(client, tenant, case, "hello").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, tenant, case):
    response = client.get(room_path(tenant, case))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
