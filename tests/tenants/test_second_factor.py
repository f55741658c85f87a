"""Two-step verification: the codes (RFC 6238), setting it up, signing in with it by password or
e-mailed link, recovery codes, attempts limited, an admin's reset and the tenant's requirement."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import time_machine
from sqlalchemy import select

from odr.tenants import totp
from odr.tenants.models import RecoveryCode
from tests.conftest import csrf_token, post_form, sign_in
from tests.mailbox import last_link

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890", RFC 6238's SHA-1 key


def test_codes_are_those_of_rfc_6238():
    # The RFC's SHA-1 vectors, to six digits: 94287082, 07081804, 14050471, 89005924.
    for when, code in [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924")]:
        assert totp.code_at(RFC_SECRET, when // 30) == code
        assert totp.matching_step(RFC_SECRET, code, after=None, now=when) == when // 30


def test_a_code_matches_within_one_step_of_drift_once_and_only_as_six_digits():
    now = 1234567890
    step = now // 30
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 1), after=None, now=now) == step - 1
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + 2), after=None, now=now) is None
    assert totp.matching_step(RFC_SECRET, "005 924", after=None, now=now) == step
    assert totp.matching_step(RFC_SECRET, "005924", after=step, now=now) is None  # used already
    for bad in ("", "5924", "0059245", "00592a", "ab cd ef"):
        assert totp.matching_step(RFC_SECRET, bad, after=None, now=now) is None


def test_the_setup_link_and_key_are_what_apps_read():
    uri = totp.provisioning_uri(RFC_SECRET, account="mira@example.org", issuer="Harbour Mediation")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/Harbour Mediation:mira@example.org"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET] and query["issuer"] == ["Harbour Mediation"]
    assert query.get("period", ["30"]) == ["30"] and query.get("digits", ["6"]) == ["6"]
    qr = totp.qr_code(uri)
    assert qr.startswith("data:image/svg+xml") and "svg" in unquote(qr)
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


# Setting it up ---------------------------------------------------------------------------------


def now_code(secret: str, shift: int = 0) -> str:
    return totp.code_at(secret, totp.current_step() + shift)


def setup(client, tenant) -> str:
    """Open the setup page; the key it shows."""
    html = client.get(f"/t/{tenant.slug}/profile/two-step").get_data(as_text=True)
    return re.search(r'<code aria-describedby="setup-key-hint">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


def turn_on(client, tenant) -> tuple[str, list[str]]:
    """Set the second factor up; its secret and recovery codes."""
    secret = setup(client, tenant)
    path = f"/t/{tenant.slug}/profile/two-step"
    response = post_form(client, path, {"code": now_code(secret)}, from_path=path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(as_text=True))
    return secret, codes


def test_setting_up_shows_the_key_then_ten_recovery_codes_once(browser, session, tenant, mediator):
    html = browser.get(f"/t/{tenant.slug}/profile/two-step").get_data(as_text=True)
    assert "otpauth://totp/" in html
    assert re.search(r'<img class="qr-code" src="data:image/svg\+xml[^"]+" alt="[^"]+"', html)
    secret = setup(browser, tenant)
    assert secret == setup(browser, tenant)  # the same key while it is being set up
    path = f"/t/{tenant.slug}/profile/two-step"
    wrong = post_form(browser, path, {"code": "000000" if now_code(secret) != "000000" else "111111"}, from_path=path)
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.get_data(as_text=True)
    session.expire_all()
    assert mediator.totp_enabled_at is None
    _secret, codes = turn_on(browser, tenant)
    assert len(set(codes)) == 10
    session.expire_all()
    assert mediator.totp_enabled_at is not None
    # The database keeps the secret encrypted under the application's key, never as the app shows it.
    assert secret not in mediator.totp_secret and not totp.is_plain(mediator.totp_secret)
    key = browser.application.config["ODR"].secret_key
    assert totp.unseal(mediator.totp_secret, key) == secret
    assert totp.unseal(mediator.totp_secret, "another key of at least thirty-two characters") == ""
    # While a new key is rolled out, the old one is still read.
    assert totp.unseal(mediator.totp_secret, "another key of at least thirty-two characters", [key]) == secret
    stored = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == mediator.id)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)  # only hashes kept
    profile = browser.get(f"/t/{tenant.slug}/profile").get_data(as_text=True)
    assert "10 recovery codes are left." in profile


def test_a_customer_has_no_second_factor_to_set_up(app, session, tenant, people):
    from tests.mailbox import sign_in_as

    client = app.test_client()
    sign_in_as(client, session, tenant, people["customer"])
    assert client.get(f"/t/{tenant.slug}/profile/two-step").status_code == 403


# Signing in with it -----------------------------------------------------------------------------


def password_step(client, tenant, user, next_path=None):
    path = f"/t/{tenant.slug}/sign-in" + (f"?next={next_path}" if next_path else "")
    return post_form(client, path, {"email": user.email, "password": "correct horse battery staple"}, from_path=path)


def code_step(client, tenant, code):
    path = f"/t/{tenant.slug}/sign-in/code"
    return post_form(client, path, {"code": code}, from_path=path)


def test_after_the_password_the_code_is_asked_before_anything_opens(app, browser, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    client = app.test_client()
    response = password_step(client, tenant, mediator, next_path=f"/t/{tenant.slug}/profile")
    assert response.headers["Location"].endswith(f"/t/{tenant.slug}/sign-in/code")
    assert client.get(f"/t/{tenant.slug}/").status_code == 302  # not signed in yet
    assert code_step(client, tenant, "12345").status_code == 400
    response = code_step(client, tenant, now_code(secret, shift=1))
    assert response.status_code == 303 and response.headers["Location"] == f"/t/{tenant.slug}/profile"
    assert client.get(f"/t/{tenant.slug}/").status_code == 200
    # The same code does not sign anyone in twice.
    again = app.test_client()
    password_step(again, tenant, mediator)
    assert code_step(again, tenant, now_code(secret, shift=1)).status_code == 400


def test_a_recovery_code_signs_in_once(app, browser, session, tenant, mediator):
    _secret, codes = turn_on(browser, tenant)
    client = app.test_client()
    password_step(client, tenant, mediator)
    assert code_step(client, tenant, codes[3].upper()).status_code == 303
    other = app.test_client()
    password_step(other, tenant, mediator)
    assert code_step(other, tenant, codes[3]).status_code == 400
    assert "9 recovery codes are left." in client.get(f"/t/{tenant.slug}/profile").get_data(as_text=True)


def test_an_emailed_sign_in_link_asks_for_the_code_too(app, browser, session, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    client = app.test_client()
    path = f"/t/{tenant.slug}/sign-in-link"
    post_form(client, path, {"email": mediator.email}, from_path=path)
    link = last_link(session, mediator.email)
    response = post_form(client, link, {}, from_path=link)
    assert response.headers["Location"].endswith("/sign-in/code")
    assert client.get(f"/t/{tenant.slug}/").status_code == 302
    assert code_step(client, tenant, now_code(secret, shift=1)).status_code == 303
    assert client.get(f"/t/{tenant.slug}/").status_code == 200


def test_wrong_codes_are_limited_per_account(app, browser, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    client = app.test_client()
    password_step(client, tenant, mediator)
    for _ in range(5):
        assert code_step(client, tenant, "99999x").status_code == 400
    # From another address and browser, the account's attempts are used up all the same.
    other = app.test_client()
    password_step(other, tenant, mediator)
    response = other.post(f"/t/{tenant.slug}/sign-in/code", data={
        "csrf_token": csrf_token(other, f"/t/{tenant.slug}/sign-in/code"), "code": now_code(secret)},
        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 429
    assert other.get(f"/t/{tenant.slug}/").status_code == 302


def test_the_code_must_follow_the_password_within_five_minutes(app, browser, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        password_step(client, tenant, mediator)
        token = csrf_token(client, f"/t/{tenant.slug}/sign-in/code")
        clock.shift(timedelta(minutes=6))
        response = client.post(f"/t/{tenant.slug}/sign-in/code", data={"csrf_token": token,
                                                                       "code": now_code(secret, shift=1)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in")
    assert client.get(f"/t/{tenant.slug}/").status_code == 302


def test_turning_it_off_needs_a_code(browser, session, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    path = f"/t/{tenant.slug}/profile/two-step/off"
    assert post_form(browser, path, {"code": ""}, from_path=f"/t/{tenant.slug}/profile").status_code == 400
    session.expire_all()
    assert mediator.totp_enabled_at is not None
    response = post_form(browser, path, {"code": now_code(secret, shift=1)}, from_path=f"/t/{tenant.slug}/profile")
    assert response.status_code == 303
    session.expire_all()
    assert mediator.totp_enabled_at is None and mediator.totp_secret is None
    assert session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == mediator.id)).all() == []


# The admin's side -------------------------------------------------------------------------------


def test_an_admin_turns_off_a_lost_second_factor(app, admin_client, session, tenant, mediator):
    own = app.test_client()
    sign_in(own, tenant, mediator)
    turn_on(own, tenant)
    path = f"/t/{tenant.slug}/admin/users/{mediator.public_id}"
    assert "Turn off two-step verification" in admin_client.get(path).get_data(as_text=True)
    response = post_form(admin_client, f"{path}/two-step/reset", {}, from_path=path)
    assert response.status_code == 303
    session.expire_all()
    assert mediator.totp_enabled_at is None
    client = app.test_client()
    sign_in(client, tenant, mediator)  # the password alone again


def test_a_tenant_that_requires_it_sends_its_staff_to_set_it_up(app, admin_client, session, tenant, people):
    users = f"/t/{tenant.slug}/admin/users"
    assert post_form(admin_client, f"/t/{tenant.slug}/admin/two-step", {"required": "1"},
                     from_path=users).status_code == 303
    session.expire_all()
    assert tenant.require_second_factor is True
    mediator = app.test_client()
    sign_in(mediator, tenant, people["mediator"])
    response = mediator.get(f"/t/{tenant.slug}/cases")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/two-step")
    api = mediator.get(f"/api/v1/t/{tenant.slug}/me")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "second_factor_required"
    secret, _codes = turn_on(mediator, tenant)
    assert mediator.get(f"/t/{tenant.slug}/cases").status_code == 200
    # Required, it cannot be turned off by its owner.
    off = post_form(mediator, f"/t/{tenant.slug}/profile/two-step/off", {"code": now_code(secret, 1)},
                    from_path=f"/t/{tenant.slug}/profile")
    assert off.status_code == 400 and "requires two-step verification" in off.get_data(as_text=True)
    # Insurer agents are not staff: their choice.
    agent = app.test_client()
    sign_in(agent, tenant, people["insurer_agent"])
    assert agent.get(f"/t/{tenant.slug}/").status_code == 200


def test_a_secret_stored_before_sealing_still_signs_in(app, browser, session, tenant, mediator):
    secret, _codes = turn_on(browser, tenant)
    session.expire_all()
    mediator.totp_secret = secret  # as a row from before the secrets were sealed holds it
    session.commit()
    client = app.test_client()
    password_step(client, tenant, mediator)
    assert code_step(client, tenant, now_code(secret, shift=1)).status_code == 303
    session.expire_all()
    assert not totp.is_plain(mediator.totp_secret)  # sealed at this sign-in
