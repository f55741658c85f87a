"""Random tokens for links and sessions, kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A URL-safe token of 256 random bits and its SHA-256 (hex), the only form stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which ``token`` is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
