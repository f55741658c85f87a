"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, six digits), as
authenticator apps compute them, by pyotp, and the QR code they scan, by segno; this module adds
what pyotp leaves to its callers: the step a code matched, so that a code is good once, and the
secret written for typing."""

from __future__ import annotations

import base64
import re
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


# The secret at rest. The server needs the secret itself to check a code, so it cannot keep only a
# hash as it does for passwords; it keeps it encrypted (Fernet: AES-128-CBC with an HMAC) under a key
# derived from the application's secret key, so that a copy of the database alone (a backup, a
# replica, a leaked dump) does not give anyone the codes. A secret stored before this was done is
# plain base32 and is read as it is.
_PLAIN = re.compile(r"[A-Z2-7]{16,64}")


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"odr second factor secrets").derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str, secret_key: str) -> str:
    """``secret`` encrypted for the database."""
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def is_plain(stored: str) -> bool:
    """Whether ``stored`` is a secret from before sealing (plain base32)."""
    return bool(_PLAIN.fullmatch(stored))


def unseal(stored: str, secret_key: str, previous: tuple[str, ...] | list[str] = ()) -> str:
    """The secret ``seal`` stored (a plain one from before as it is), under the key or one of the
    ``previous`` keys (``ODR_PREVIOUS_SECRET_KEYS``, while a new key is rolled out); "" when none opens it."""
    if is_plain(stored):
        return stored
    try:
        return MultiFernet([_fernet(k) for k in (secret_key, *previous)]).decrypt(stored.encode()).decode()
    except InvalidToken:
        return ""
