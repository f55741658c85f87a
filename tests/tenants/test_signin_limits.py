"""One account tried from many addresses is slowed down, whatever the address: the per-account limit."""

from __future__ import annotations

import re

import time_machine

from odr.tenants import signin_limits
from tests.conftest import csrf_token
from tests.factories import PASSWORD


def _attempt(client, tenant, email, password, n):
    """A sign-in from a browser and an address of its own (the per-address limit never applies)."""
    path = f"/t/{tenant.slug}/sign-in"
    address = {"REMOTE_ADDR": f"198.51.100.{n % 250 + 1}"}
    client = client.application.test_client()
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "email": email, "password": password},
                       environ_base=address)


def _wait_of(response, tenant, email) -> int:
    """The account's wait, after checking that ``response`` is the page that says to wait."""
    assert response.status_code == 429, response.status_code
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html
    shown = int(re.search(r"try again in (\d+) seconds?", html)[1])
    wait = signin_limits.wait_before_attempt(tenant.id, email)
    # The header and the page say the later of the account's wait and the address's window.
    assert shown == int(response.headers["Retry-After"]) >= wait
    return wait


def test_an_account_tried_from_many_addresses_waits_longer_after_each_failure(client, tenant, people):
    admin = people["admin"].email
    with time_machine.travel("2026-12-07 09:00:00Z", tick=False) as clock:
        for n in range(signin_limits.FREE_FAILURES):
            assert _attempt(client, tenant, admin, "guess", n).status_code == 400, n
        # Even the right password waits now: the account, not the address, is being guessed.
        assert _wait_of(_attempt(client, tenant, admin, PASSWORD, 100), tenant, admin) == 1
        waits = []
        for n in range(4):
            clock.shift(waits[-1] if waits else 1)
            assert _attempt(client, tenant, admin, "guess", 200 + n).status_code == 400
            waits.append(_wait_of(_attempt(client, tenant, admin, "guess", 300 + n), tenant, admin))
        assert waits == [2, 4, 8, 16]
        # Another account of the tenant is not slowed.
        assert _attempt(client, tenant, people["mediator"].email, PASSWORD, 400).status_code == 303
        clock.shift(16)
        assert _attempt(client, tenant, admin, PASSWORD, 500).status_code == 303
        # Signing in forgets the failures.
        assert signin_limits.wait_before_attempt(tenant.id, admin) == 0
        assert _attempt(client, tenant, admin, "typo", 501).status_code == 400


def test_the_wait_is_capped_and_unknown_addresses_count_alike(client, tenant):
    with time_machine.travel("2026-12-07 09:00:00Z", tick=False) as clock:
        for n in range(signin_limits.FREE_FAILURES + 10):
            clock.shift(signin_limits.wait_before_attempt(tenant.id, "nobody@example.org"))
            assert _attempt(client, tenant, "nobody@example.org", "guess", n).status_code == 400, n
        refused = _attempt(client, tenant, "Nobody@Example.org", "guess", 600)
        assert _wait_of(refused, tenant, "nobody@example.org") == signin_limits.MAX_WAIT_SECONDS
