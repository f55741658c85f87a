"""Signals of the tenants domain, so later domains can react without tenants importing them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the session as sender and ``user=`` the new account, in the same transaction.
account_created = _signals.signal("account-created")
