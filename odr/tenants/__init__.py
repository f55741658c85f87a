"""Tenants (ADR providers), insurer organisations, users, invitations and sign-in."""
