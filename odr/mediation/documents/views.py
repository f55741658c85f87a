"""The documents' pages: the panel's list, download and preview links, and the local store's file route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from odr.mediation.core.labels import CHANNELS, readable_label
from odr.mediation.core.models import Case
from odr.mediation.core.queries import case_for
from odr.mediation.documents import services
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.policy import upload_channels
from odr.mediation.documents.tasks import storage
from odr.platform.errors import ServiceError
from odr.platform.extensions import db
from odr.platform.permissions import can, require
from odr.storage import LinkExpired, LinkInvalid
from odr.storage.base import content_disposition
from odr.storage.types import CATEGORIES, PREVIEWABLE
from odr.tenants.web import add_slug, enter_tenant

bp = Blueprint("documents", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.add_app_template_filter(readable_label)
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)


class LinkGone(ServiceError):
    """A download link older than its lifetime."""

    status = 410
    code = "link_expired"


def file_url(document: Document) -> Any:
    """How the local store's signed tokens become links to this application."""
    return lambda token: url_for("documents.file", doc_id=document.public_id, token=token)


@bp.get("/documents/<doc_id>/download")
@login_required
def download(doc_id: str) -> Any:
    """Send the browser to a fresh two-minute link to the bytes, as an attachment."""
    document = services.document_for(db.session, current_user, doc_id)
    return redirect(services.download_link(document, current_user, storage=storage(), inline=False,
                                           app_url=file_url(document)), code=303)


@bp.get("/documents/<doc_id>/preview")
@login_required
def preview(doc_id: str) -> Any:
    """Send the browser to a fresh two-minute link that shows a PDF or a picture inline."""
    document = services.document_for(db.session, current_user, doc_id)
    return redirect(services.download_link(document, current_user, storage=storage(), inline=True,
                                           app_url=file_url(document)), code=303)


@bp.get("/documents/<doc_id>/file/<token>")
@login_required
def file(doc_id: str, token: str) -> Any:
    """The local store's bytes behind a signed link: checked again for the signed-in user, here and now.

    Streamed in chunks, so memory stays flat whatever the size; the name is encoded per RFC 6266.
    """
    document = services.document_for(db.session, current_user, doc_id)
    try:
        target = storage().resolve(token, purpose="download")
    except LinkExpired:
        message = _("This download link has expired. Go back to the case and choose the document again.")
        raise LinkGone(message) from None
    except LinkInvalid:
        abort(404)
    if target.key != document.storage_key or document.status is not DocumentStatus.AVAILABLE:
        abort(404)
    store = storage()

    def chunks() -> Iterator[bytes]:
        with store.open(target.key) as stream:
            while chunk := stream.read(256 * 1024):
                yield chunk

    return Response(chunks(), mimetype=target.content_type, headers={
        "Content-Disposition": content_disposition(inline=target.inline, filename=target.filename),
        "Content-Length": str(document.size),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })


@bp.get("/cases/<public_id>/documents")
@login_required
def panel(public_id: str) -> Any:
    """The panel's list alone, for the page to refresh it when a document is shared."""
    case = case_for(db.session, current_user, public_id)
    require(current_user, "cases.view", case)
    return render_template("documents/_list.html", panel=documents_panel(case))


def _human_size(size: int) -> str:
    from flask_babel import format_decimal

    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= factor:
            return f"{format_decimal(round(size / factor, 1))} {unit}"
    return _("%(num)s bytes", num=size)


@bp.app_template_global()
def documents_panel(case: Case) -> dict[str, Any] | None:
    """What the documents panel shows the signed-in user for ``case`` (None: they may not see it).

    A template global, like the dashboard's, so that any page showing a case (the case page now, the
    room later) includes the panel without its view knowing about documents.
    """
    if g.get("tenant") is None or not can(current_user, "cases.view", case):
        return None
    documents = services.case_documents(db.session, current_user, case)
    chains: dict[Any, list[Document]] = {}
    for document in documents:
        chains.setdefault(document.chain_id, []).append(document)
    rows = []
    may_upload = can(current_user, "documents.upload", case)
    channels = upload_channels(current_user, case) if may_upload else []
    for versions in chains.values():
        versions.sort(key=lambda d: d.version, reverse=True)
        latest = versions[0]
        rows.append({
            "document": latest,
            "older": versions[1:],
            "channel": str(CHANNELS.get(latest.channel, latest.channel)),
            "size": _human_size(latest.size),
            "previewable": latest.content_type in PREVIEWABLE,
            "new_version": may_upload and latest.channel in channels and latest.status is DocumentStatus.AVAILABLE,
            "carry_to": [(c, str(CHANNELS[c])) for c in ("joint", "caucus:insurer", "caucus:customer")
                         if c != latest.channel] if can(current_user, "documents.carry", latest) else [],
        })
    tenant = g.tenant
    limits = services.limits_of(tenant)
    extensions = sorted({f".{ext}" for category in limits.categories for ext in CATEGORIES.get(category, {})})
    return {
        "case": case,
        "rows": rows,
        "may_upload": may_upload,
        "channels": [(c, str(CHANNELS[c])) for c in channels],
        "max_bytes": limits.max_bytes,
        "max_size": _human_size(limits.max_bytes),
        "accept": ",".join(extensions),
        "direct": current_app.extensions["odr.storage"].kind == "s3",
        "list_url": url_for("documents.panel", public_id=case.public_id),
        "upload_url": url_for("documents_api.CaseDocuments", case_id=case.public_id),
        "direct_url": url_for("documents_api.DirectUploads", case_id=case.public_id),
        "complete_url": url_for("documents_api.DirectUploadCompletion", case_id=case.public_id),
    }
