"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, six digits), as
authenticator apps compute them; written on ``hmac`` because no OTP library is installed."""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after is accepted too: clocks and typing take time


def new_secret() -> str:
    """A fresh 160-bit secret in base32, as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def code_at(secret: str, step: int) -> str:
    """The code for time step ``step`` (RFC 4226's dynamic truncation)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.digest(key, step.to_bytes(8, "big"), "sha1")
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    """The time step of ``now`` (seconds since the epoch; the present when None)."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, *, after: int | None, now: float | None = None) -> int | None:
    """The step whose code ``code`` is, within the allowed drift and later than ``after`` (a code
    is good once); None when it matches none."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    present = current_step(now)
    for step in range(present - DRIFT_STEPS, present + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
