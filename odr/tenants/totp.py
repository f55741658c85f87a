"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, six digits), as
authenticator apps compute them, by pyotp, and the QR code they scan, by segno; this module adds
what pyotp leaves to its callers: the step a code matched, so that a code is good once, and the
secret written for typing."""

from __future__ import annotations

import time

import pyotp
import segno
from pyotp.utils import strings_equal

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after is accepted too: clocks and typing take time


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def new_secret() -> str:
    """A fresh 160-bit secret in base32, as authenticator apps take it."""
    return pyotp.random_base32(length=32)


def code_at(secret: str, step: int) -> str:
    """The code for time step ``step``."""
    return _totp(secret).generate_otp(step)


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
        if (after is None or step > after) and strings_equal(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (Key Uri Format)."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_code(uri: str) -> str:
    """The address as a QR code, an SVG ``data:`` URI for an ``<img>``: the app scans it instead of
    the key being typed."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
