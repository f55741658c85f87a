"""The tenant admin's e-mail templates: preview, save, reset, and a sandbox that runs no code."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from odr.platform.errors import Forbidden, NotFound, ValidationFailed
from odr.platform.mail import OutboxEmail
from odr.platform.tenancy import set_tenant
from odr.tenants.notifications import services
from odr.tenants.notifications.catalogue import STANDARDS
from odr.tenants.notifications.models import EmailTemplate
from tests.conftest import csrf_token, sign_in

KEYS = ["referral_received", "case_opened", "deadline_reminder", "escalation", "rejection"]
GOOD_SUBJECT = "Reminder for {{ case_reference }}"
GOOD_BODY = "Hello {{ recipient_name }},\n\nplease send {{ what }} by {{ due }}.\n\n{{ link }}\n{{ tenant_name }}"

# Templates that try to do more than show a value: each is refused with a field message.
UNSAFE = {
    "attribute": ("{{ ''.__class__ }}", "attributes, calls, filters"),
    "mro-walk": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "attributes, calls, filters"),
    "config": ("{{ config }}", "is not a placeholder of this template"),
    "loop": ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
             "instructions such as “for”"),
    "set": ("{% set x = 1 %}{{ x }}", "instructions such as “set”"),
    "include": ("{% include 'layout.html' %}", "instructions such as “include”"),
    "filter": ("{{ case_reference|upper }}", "attributes, calls, filters"),
    "call": ("{{ lipsum() }}", "attributes, calls, filters"),
    "unknown": ("Dear {{ customer_password }}", "{{ customer_password }} is not a placeholder of this template"),
    "syntax": ("Dear {{ recipient_name ", "opens a placeholder with {{ but never closes it with }}"),
}


def test_every_standard_is_listed(client, tenant, people):
    assert set(KEYS) <= set(STANDARDS)
    sign_in(client, tenant, people["admin"])
    html = client.get(f"/t/{tenant.slug}/admin/templates").get_data(as_text=True)
    for key in STANDARDS:
        assert str(STANDARDS[key].title) in html
        for locale in ("en", "de"):
            assert f"/t/{tenant.slug}/admin/templates/{key}/{locale}" in html


@pytest.mark.parametrize("key", KEYS)
def test_each_standard_renders_with_its_own_samples(key):
    standard = STANDARDS[key]
    rendered = services.check_template(key, str(standard.subject), str(standard.body))
    assert standard.samples["case_reference"] in rendered["subject"] + rendered["body"]


def test_the_edit_page_lists_and_explains_the_placeholders(client, tenant, people):
    sign_in(client, tenant, people["admin"])
    html = client.get(f"/t/{tenant.slug}/admin/templates/deadline_reminder/en").get_data(as_text=True)
    for name, meaning in STANDARDS["deadline_reminder"].placeholders.items():
        assert f"<code>{{{{ {name} }}}}</code>" in html
        assert str(meaning) in html or str(meaning).replace("'", "&#39;") in html
    assert "Reminder: {{ case_reference }} needs you by {{ due }}" in html  # the standard wording to start from


def test_preview_shows_sample_values_and_saves_nothing(client, session, tenant, people):
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/templates/deadline_reminder/en"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "action": "preview",
                                       "subject": GOOD_SUBJECT, "body": GOOD_BODY})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Reminder for MED-2026-000042" in html and "please send your reply to the mediator by" in html
    set_tenant(session, tenant.id)
    assert session.scalars(select(EmailTemplate)).all() == []


def test_save_then_reset_to_the_standard_wording(app, client, session, tenant, people):
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/templates/deadline_reminder/en"
    token = csrf_token(client, path)
    saved = client.post(path, data={"csrf_token": token, "action": "save", "subject": GOOD_SUBJECT,
                                    "body": GOOD_BODY.replace("\n", "\r\n")})
    assert saved.status_code == 303 and saved.headers["Location"] == path
    set_tenant(session, tenant.id)
    row = session.scalars(select(EmailTemplate)).one()
    assert (row.key, row.locale, row.subject, row.updated_by_id) == (
        "deadline_reminder", "en", GOOD_SUBJECT, people["admin"].id)
    assert "\r" not in row.body
    page = client.get(path).get_data(as_text=True)
    assert "Your wording is in use" in page and "Reminder for {{ case_reference }}" in page

    # The tenant's wording is what goes out, in English; a German reader gets the standard German.
    with app.app_context():
        g.tenant = session.get(type(tenant), tenant.id)
        services.send_templated(session, tenant, "en@example.org", "Erin", "en", "deadline_reminder",
                                {"case_reference": "MED-2026-000007", "what": "the quote", "due": "2026-04-01"})
        services.send_templated(session, tenant, "de@example.org", "Dora", "de", "deadline_reminder",
                                {"case_reference": "MED-2026-000007", "what": "the quote", "due": "2026-04-01"})
        session.commit()
    english = session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == "en@example.org")).one()
    assert english.subject == "Reminder for MED-2026-000007" and "please send the quote" in english.body_text
    german = session.scalars(select(OutboxEmail).where(OutboxEmail.recipient == "de@example.org")).one()
    assert german.subject != "Reminder for MED-2026-000007"

    reset = client.post(f"{path}/reset", data={"csrf_token": token})
    assert reset.status_code == 303
    session.expire_all()
    assert session.scalars(select(EmailTemplate)).all() == []
    assert "The standard wording is in use" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("attempt", list(UNSAFE), ids=list(UNSAFE))
@pytest.mark.parametrize("field", ["subject", "body"])
def test_a_template_that_tries_to_run_code_is_refused_and_not_saved(client, session, tenant, people, attempt, field):
    source, message = UNSAFE[attempt]
    sign_in(client, tenant, people["admin"])
    path = f"/t/{tenant.slug}/admin/templates/deadline_reminder/en"
    token = csrf_token(client, path)
    data = {"subject": GOOD_SUBJECT, "body": GOOD_BODY, field: source}
    for action in ("preview", "save"):
        response = client.post(path, data={"csrf_token": token, "action": action, **data})
        assert response.status_code == 400, action
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html
        assert message.replace("“", "&#34;").replace("”", "&#34;") in html or message in html, html[:3000]
        assert "Preview with sample values" not in html
        assert "&lt;class" not in html  # what ''.__class__ would have shown, had it run
    set_tenant(session, tenant.id)
    assert session.scalars(select(EmailTemplate)).all() == []


@pytest.mark.parametrize(
    ("subject", "body", "field", "message"),
    [
        ("", GOOD_BODY, "subject", "This field is required."),
        (GOOD_SUBJECT, "   ", "body", "This field is required."),
        ("x" * 301, GOOD_BODY, "subject", "Use at most 300 characters."),
        ("Line one\nline two", GOOD_BODY, "subject", "The subject must be one line."),
        (GOOD_SUBJECT, "y" * 20_001, "body", "Use at most 20,000 characters."),
    ],
)
def test_missing_or_oversized_wording_is_a_field_error(app, session, tenant, people, subject, body, field, message):
    with app.app_context(), pytest.raises(ValidationFailed) as error:
        services.save_template(session, people["admin"], "deadline_reminder", "en", subject, body)
    assert error.value.fields[field] == [message]
    set_tenant(session, tenant.id)
    assert session.scalars(select(EmailTemplate)).all() == []


def test_unknown_templates_and_languages_do_not_exist(app, client, session, tenant, people):
    sign_in(client, tenant, people["admin"])
    for path in ("no_such_e_mail/en", "deadline_reminder/fr", "deadline_reminder/en/reset"):
        method = client.post if path.endswith("reset") else client.get
        kwargs = {"data": {"csrf_token": csrf_token(client, f"/t/{tenant.slug}/")}} if method == client.post else {}
        status = method(f"/t/{tenant.slug}/admin/templates/{path}", **kwargs).status_code
        assert status == (303 if path.endswith("reset") else 404), path
    with app.app_context():
        for key, locale in (("no_such_e_mail", "en"), ("deadline_reminder", "xx")):
            with pytest.raises(NotFound):
                services.save_template(session, people["admin"], key, locale, GOOD_SUBJECT, GOOD_BODY)


@pytest.mark.parametrize("role", ["case_manager", "mediator", "insurer_agent"])
def test_only_the_admin_edits_templates(app, client, session, tenant, people, role):
    sign_in(client, tenant, people[role])
    assert client.get(f"/t/{tenant.slug}/admin/templates").status_code == 403
    path = f"/t/{tenant.slug}/admin/templates/rejection/en"
    assert client.get(path).status_code == 403
    response = client.post(path, data={"csrf_token": csrf_token(client, f"/t/{tenant.slug}/"), "action": "save",
                                       "subject": GOOD_SUBJECT, "body": "Dear {{ recipient_name }}"})
    assert response.status_code == 403
    with app.app_context(), pytest.raises(Forbidden):
        services.save_template(session, people[role], "rejection", "en", GOOD_SUBJECT, "Dear {{ recipient_name }}")
    set_tenant(session, tenant.id)
    assert session.scalars(select(EmailTemplate)).all() == []


def test_a_stored_wording_that_became_unsafe_is_not_sent(app, session, tenant):
    set_tenant(session, tenant.id)
    session.add(EmailTemplate(tenant_id=tenant.id, key="rejection", locale="en", subject="{{ ''.__class__ }}",
                              body="{% for x in range(9) %}{{ x }}{% endfor %}"))
    session.commit()
    with app.app_context():
        subject, body = services.template_for(session, tenant, "rejection", "en")
    assert (subject, body) == (str(STANDARDS["rejection"].subject), str(STANDARDS["rejection"].body))
