"""The bell with its unread count, the list newest first, marking read, and opening one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from odr.platform.tenancy import set_tenant
from odr.tenants.models import Role
from odr.tenants.notifications import services
from odr.tenants.notifications.models import Notification
from tests import factories
from tests.conftest import csrf_token, sign_in

BELL = re.compile(r'<a class="bell" href="(?P<href>[^"]+)".*?</a>', re.S)


@pytest.fixture
def inbox(app, session, tenant, people):
    """Three notifications for the case manager (one already read), one for the mediator."""
    set_tenant(session, tenant.id)
    manager, mediator = people["case_manager"], people["mediator"]
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rows = []
    for n, (title, link) in enumerate([
        ("New referral MED-2026-000001 from Northwind Insurance", f"/t/{tenant.slug}/cases/one"),
        ("MED-2026-000002: please phone the customer", f"/t/{tenant.slug}/cases/two"),
        ("MED-2026-000003 escalated to tier 3", None),
    ]):
        row = Notification(tenant_id=tenant.id, user_id=manager.id, kind="test", title=title, link=link,
                           created_at=base + timedelta(hours=n))
        rows.append(row)
    rows[0].read_at = base + timedelta(days=1)
    other = Notification(tenant_id=tenant.id, user_id=mediator.id, kind="test", title="Only for the mediator",
                         link=f"/t/{tenant.slug}/cases/three")
    session.add_all([*rows, other])
    session.commit()
    return {"manager": rows, "mediator": other}


def _bell(client, tenant) -> tuple[str, str]:
    html = client.get(f"/t/{tenant.slug}/").get_data(as_text=True)
    match = BELL.search(html)
    assert match, "no bell in the header"
    return match["href"], match.group(0)


def test_the_bell_shows_the_unread_count_and_leads_to_the_list(client, tenant, people, inbox):
    sign_in(client, tenant, people["case_manager"])
    href, bell = _bell(client, tenant)
    assert href == f"/t/{tenant.slug}/notifications"
    assert 'class="bell__count" aria-hidden="true">2<' in bell and "(2 unread)" in bell


def test_the_bell_is_quiet_with_nothing_unread_and_absent_when_signed_out(client, tenant, people, inbox):
    sign_in(client, tenant, people["insurer_agent"])
    _href, bell = _bell(client, tenant)
    assert "bell__count" not in bell
    client.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": csrf_token(client, f"/t/{tenant.slug}/")})
    assert 'class="bell"' not in client.get(f"/t/{tenant.slug}/sign-in").get_data(as_text=True)


def test_the_list_is_newest_first_and_mine_only(client, tenant, people, inbox):
    sign_in(client, tenant, people["case_manager"])
    html = client.get(f"/t/{tenant.slug}/notifications").get_data(as_text=True)
    titles = [row.title for row in inbox["manager"]]
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions, reverse=True)  # the newest (last made) comes first
    assert "Only for the mediator" not in html
    assert html.count('class="notification notification--unread"') == 2
    assert "You have 2 unread notifications." in html


def test_opening_one_marks_it_read_and_follows_its_local_link(client, session, tenant, people, inbox):
    sign_in(client, tenant, people["case_manager"])
    newest_with_link = inbox["manager"][1]
    response = client.get(f"/t/{tenant.slug}/notifications/{newest_with_link.public_id}")
    assert response.status_code == 303
    assert response.headers["Location"] == newest_with_link.link
    session.expire_all()
    assert session.get(Notification, newest_with_link.id).read_at is not None
    assert "(1 unread)" in _bell(client, tenant)[1]
    # One without a link leads back to the list.
    no_link = inbox["manager"][2]
    response = client.get(f"/t/{tenant.slug}/notifications/{no_link.public_id}")
    assert response.headers["Location"] == f"/t/{tenant.slug}/notifications"
    assert "bell__count" not in _bell(client, tenant)[1]


def test_mark_all_read(client, session, tenant, people, inbox):
    sign_in(client, tenant, people["case_manager"])
    path = f"/t/{tenant.slug}/notifications"
    response = client.post(f"{path}/read", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303 and response.headers["Location"] == path
    session.expire_all()
    assert all(session.get(Notification, row.id).read_at for row in inbox["manager"])
    assert session.get(Notification, inbox["mediator"].id).read_at is None  # someone else's stays unread
    html = client.get(path).get_data(as_text=True)
    assert "2 notifications marked as read." in html and "You have read every notification." in html


@pytest.mark.parametrize("which", ["someone-elses", "unknown", "malformed"])
def test_someone_elses_or_an_unknown_notification_is_not_found(client, session, tenant, people, inbox, which):
    sign_in(client, tenant, people["case_manager"])
    ids = {"someone-elses": inbox["mediator"].public_id, "unknown": "5b7e3f58-7f0e-4b8e-9a51-0d7c2d1a1b2c",
           "malformed": "not-a-uuid"}
    response = client.get(f"/t/{tenant.slug}/notifications/{ids[which]}")
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Notification, inbox["mediator"].id).read_at is None


def test_another_tenants_user_cannot_open_ours(client, session, tenant, people, inbox):
    elsewhere = factories.tenant(session)
    set_tenant(session, elsewhere.id)
    stranger = factories.user(session, elsewhere, Role.CASE_MANAGER)
    session.commit()
    sign_in(client, elsewhere, stranger)
    own = client.get(f"/t/{elsewhere.slug}/notifications/{inbox['manager'][1].public_id}")
    assert own.status_code == 404
    assert client.get(f"/t/{tenant.slug}/notifications").status_code == 302  # not signed in there


def test_a_notification_may_only_link_to_a_local_path(app, session, tenant, people):
    set_tenant(session, tenant.id)
    with app.app_context():
        for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example"):
            with pytest.raises(ValueError):
                services.notify(session, tenant, [people["admin"]], kind="test", title="x", link=link)
    assert session.scalars(select(Notification)).all() == []


def test_a_stored_link_off_the_site_is_never_followed(client, session, tenant, people):
    set_tenant(session, tenant.id)
    row = Notification(tenant_id=tenant.id, user_id=people["admin"].id, kind="test", title="Old row",
                       link="https://evil.example/")
    session.add(row)
    session.commit()
    sign_in(client, tenant, people["admin"])
    response = client.get(f"/t/{tenant.slug}/notifications/{row.public_id}")
    assert response.headers["Location"] == f"/t/{tenant.slug}/notifications"


def test_the_list_pages_through_older_notifications(client, session, tenant, people):
    set_tenant(session, tenant.id)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    session.add_all([Notification(tenant_id=tenant.id, user_id=people["mediator"].id, kind="test",
                                  title=f"Item {n:03d}", created_at=base + timedelta(minutes=n)) for n in range(55)])
    session.commit()
    sign_in(client, tenant, people["mediator"])
    first = client.get(f"/t/{tenant.slug}/notifications").get_data(as_text=True)
    assert "Item 054" in first and "Item 004" not in first and "?page=2" in first
    second = client.get(f"/t/{tenant.slug}/notifications?page=2").get_data(as_text=True)
    assert "Item 004" in second and "Item 054" not in second
    assert client.get(f"/t/{tenant.slug}/notifications?page=abc").status_code == 200
