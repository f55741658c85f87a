"""A per-account limit on signing in: one account tried from many addresses is slowed down.

The sign-in page's limit (Flask-Limiter) counts per address, which does nothing against many addresses
trying one account. Here every wrong password for an e-mail address of a tenant counts, whoever sent it:
after ``FREE_FAILURES`` within ``WINDOW_SECONDS``, each further attempt must wait, twice as long after
each failure, up to ``MAX_WAIT_SECONDS``; signing in clears the count. The counts live in Flask-Limiter's
storage (memory in the embedded mode, Redis in production), so every server process sees the same.
Addresses without an account count like any other, so the slow-down says nothing about who has one.
"""

from __future__ import annotations

import hashlib
import time

from odr.platform.extensions import limiter

FREE_FAILURES = 10  # as many as one address may try in a minute: a person mistyping is never slowed
WINDOW_SECONDS = 3600
MAX_WAIT_SECONDS = 15 * 60


def _keys(tenant_id: int, email: str) -> tuple[str, str]:
    account = hashlib.sha256(f"{tenant_id}:{email.strip().lower()}".encode()).hexdigest()[:32]
    return f"odr/signin-failures/{account}", f"odr/signin-wait/{account}"


def wait_before_attempt(tenant_id: int, email: str) -> int:
    """Seconds until the account of ``email`` in the tenant may be tried again (0: now)."""
    _failures, wait = _keys(tenant_id, email)
    storage = limiter.storage
    if not storage.get(wait):
        return 0
    return max(1, int(storage.get_expiry(wait) - time.time() + 0.999))


def record_failure(tenant_id: int, email: str) -> None:
    """A wrong password for ``email``: counted, and past the free ones the next attempt must wait."""
    failures, wait = _keys(tenant_id, email)
    storage = limiter.storage
    count = storage.incr(failures, WINDOW_SECONDS)
    if count >= FREE_FAILURES:
        storage.incr(wait, min(MAX_WAIT_SECONDS, 2 ** (count - FREE_FAILURES)))


def record_success(tenant_id: int, email: str) -> None:
    """Signed in: the account's failures are forgotten."""
    for key in _keys(tenant_id, email):
        limiter.storage.clear(key)
