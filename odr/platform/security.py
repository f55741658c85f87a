"""Security headers with a per-request CSP nonce; no inline script is ever needed."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g


def is_local_path(target: str | None) -> bool:
    """True for a path on this site, safe to redirect to after a form.

    Browsers drop tabs and line breaks inside a URL ("/\\t/evil.example" becomes
    "//evil.example", another site), so a target with any control character is refused.
    """
    if not target:
        return False
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    )


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def _policy(nonce: str, connect: str = "") -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self'{connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security_headers(app: Flask, *, production: bool) -> None:
    """Add the headers to every response."""

    @app.context_processor
    def _nonce() -> dict[str, object]:
        return {"csp_nonce": csp_nonce}

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        # Browsers send documents straight to an S3 endpoint (direct uploads): it may be connected to.
        extra = "".join(f" {origin}" for origin in app.config.get("CSP_CONNECT_SRC", []))
        headers.setdefault("Content-Security-Policy", _policy(csp_nonce(), extra))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response
