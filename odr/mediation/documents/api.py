"""The documents' REST API: list, upload (streamed through the server, or straight to the store), carry, link.

An upload's bytes are the raw request body, read as a stream in constant memory: never a multipart
form, which werkzeug would parse before the view runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from flask import abort, jsonify, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from odr.mediation.core.queries import case_for
from odr.mediation.documents import direct, services, uploads
from odr.mediation.documents.models import Document
from odr.mediation.documents.schemas import (
    CarrySchema,
    CompleteSchema,
    DirectUploadOut,
    DirectUploadSchema,
    DocumentOut,
    UploadSchema,
)
from odr.mediation.documents.tasks import scanner, storage
from odr.mediation.documents.views import LinkGone, file_url
from odr.platform.extensions import db
from odr.platform.handlers import service_call
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.storage import LinkExpired, LinkInvalid
from odr.tenants.web import add_slug, enter_tenant

blp = Blueprint(
    "documents_api",
    __name__,
    url_prefix="/api/v1/t/<slug>",
    description="Documents of a case: list, upload, new versions, carry across channels, download links.",
)
blp.url_value_preprocessor(enter_tenant)
blp.url_defaults(add_slug)

NAME_HEADER = "X-File-Name"
IDEMPOTENCY_HEADER = "Idempotency-Key"
STREAMED = {"documents_api.CaseDocuments", "documents_api.SignedUpload"}
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}
UNCAPPED = 1 << 62


def _streamed_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Uploads read their body as a stream: no size cap of the app's forms, and no form parsing at all."""
    if endpoint in STREAMED and request.method in {"POST", "PUT"}:
        if request.mimetype in FORM_TYPES:
            abort(415)
        # No cap of the app's (which is for forms): the intake enforces the tenant's limit while reading,
        # with its own message. (None would fall back to the app's MAX_CONTENT_LENGTH.)
        request.max_content_length = UNCAPPED


blp.url_value_preprocessor(_streamed_body)


def _upload_parameters() -> dict[str, Any]:
    name = request.headers.get(NAME_HEADER)
    data: dict[str, Any] = {
        "name": unquote(name) if name else request.args.get("name"),
        "channel": request.args.get("channel") or "joint",
        "replaces": request.args.get("replaces") or None,
        "idempotency_key": request.headers.get(IDEMPOTENCY_HEADER) or request.args.get("idempotency_key"),
    }
    return {key: value for key, value in data.items() if value is not None}


@blp.route("/cases/<case_id>/documents")
class CaseDocuments(MethodView):
    """The documents of a case that the signed-in user may see."""

    decorators = [login_required]

    @blp.response(200, DocumentOut(many=True))
    def get(self, case_id: str) -> list[Document]:
        """Every version of every document you may see, newest first."""
        case = case_for(db.session, current_user, case_id)
        require(current_user, "cases.view", case)
        return services.case_documents(db.session, current_user, case)

    @blp.doc(
        requestBody={"required": True, "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}},
        parameters=[
            {"in": "header", "name": NAME_HEADER, "required": True, "schema": {"type": "string"},
             "description": "The file's name, percent-encoded UTF-8 (or the query parameter name)"},
            {"in": "query", "name": "channel", "schema": {"type": "string", "default": "joint"}},
            {"in": "query", "name": "replaces", "schema": {"type": "string", "format": "uuid"},
             "description": "Upload a new version of this document (in its channel)"},
            {"in": "header", "name": IDEMPOTENCY_HEADER, "schema": {"type": "string"},
             "description": "The same key twice makes one document"},
        ],
    )
    @blp.response(201, DocumentOut, description="The document was stored")
    @blp.alt_response(200, schema=DocumentOut, description="A document with this idempotency key exists")
    def post(self, case_id: str) -> tuple[Document, int]:
        """Upload a file as the request's raw body; its type is read from its content."""
        case = case_for(db.session, current_user, case_id)
        values = load(UploadSchema(), _upload_parameters())
        document, created = uploads.upload(db.session, current_user, case, values, request.stream,
                                           storage=storage(), scanning=scanner() is not None)
        return document, 201 if created else 200


@blp.route("/cases/<case_id>/documents/direct")
class DirectUploads(MethodView):
    """Uploads from the browser straight to the store (S3); with the local store, through this server."""

    decorators = [login_required]

    @blp.arguments(DirectUploadSchema, location="json")
    @blp.response(200, DirectUploadOut)
    def post(self, values: dict[str, Any], case_id: str) -> Any:
        """Announce a file (name, size, SHA-256, channel): get a signed request to send it, and a token."""
        case = case_for(db.session, current_user, case_id)
        result = service_call(direct.start_direct_upload, db.session, current_user, case, values,
                              storage=storage(), secret=_secret(),
                              app_url=lambda token: url_for("documents_api.SignedUpload", token=token))
        if isinstance(result, Document):  # the idempotency key was used: here is that document
            return jsonify(DocumentOut().dump(result))
        return result


@blp.route("/cases/<case_id>/documents/direct/complete")
class DirectUploadCompletion(MethodView):
    """The second step of a direct upload: check what arrived, then share it."""

    decorators = [login_required]

    @blp.arguments(CompleteSchema, location="json")
    @blp.response(201, DocumentOut)
    @blp.alt_response(200, schema=DocumentOut, description="This upload was completed before")
    def post(self, values: dict[str, Any], case_id: str) -> tuple[Document, int]:
        """Check size, SHA-256 and type of the bytes sent; the document becomes visible only then."""
        case = case_for(db.session, current_user, case_id)
        document, created = direct.complete_direct_upload(db.session, current_user, case, values, storage=storage(),
                                                          secret=_secret(), scanning=scanner() is not None)
        return document, 201 if created else 200


@blp.route("/documents/uploads/<token>")
class SignedUpload(MethodView):
    """The local store's signed upload: the announced bytes, through the server."""

    decorators = [login_required]

    @blp.doc(requestBody={"required": True, "content": {"application/octet-stream": {
        "schema": {"type": "string", "format": "binary"}}}})
    @blp.response(204)
    def put(self, token: str) -> None:
        """Store exactly the bytes announced when the upload was started."""
        from flask import g

        limits = services.limits_of(g.tenant)
        db.session.commit()
        try:
            direct.receive_signed(storage(), current_user, token, request.stream, max_bytes=limits.max_bytes)
        except LinkExpired:
            raise LinkGone(_("This upload link has expired; start the upload again.")) from None
        except LinkInvalid:
            abort(404)


@blp.route("/documents/<doc_id>")
class DocumentItem(MethodView):
    """One document."""

    decorators = [login_required]

    @blp.response(200, DocumentOut)
    def get(self, doc_id: str) -> Document:
        """Read a document's record; one you may not see does not exist (404)."""
        return services.document_for(db.session, current_user, doc_id)


@blp.route("/documents/<doc_id>/carry")
class Carry(MethodView):
    """The mediator carries a caucus document across."""

    decorators = [login_required]

    @blp.arguments(CarrySchema, location="json")
    @blp.response(201, DocumentOut)
    @blp.alt_response(200, schema=DocumentOut, description="It was carried to that channel before")
    def post(self, values: dict[str, Any], doc_id: str) -> tuple[Document, int]:
        """Share the document in another channel (joint, or the other caucus)."""
        document = services.document_for(db.session, current_user, doc_id)
        copy, created = service_call(services.carry, db.session, current_user, document, values)
        return copy, 201 if created else 200


@blp.route("/documents/<doc_id>/link")
class Link(MethodView):
    """A short-lived link to a document's bytes."""

    decorators = [login_required]

    @blp.doc(parameters=[{"in": "query", "name": "inline", "schema": {"type": "boolean"},
                          "description": "Show a PDF or a picture instead of downloading it"}])
    def get(self, doc_id: str) -> dict[str, Any]:
        """A link that works for two minutes, for you."""
        document = services.document_for(db.session, current_user, doc_id)
        inline = request.args.get("inline", "").lower() in {"1", "true", "yes"}
        url = services.download_link(document, current_user, storage=storage(), inline=inline,
                                     app_url=file_url(document))
        return {"url": url, "expires_in": services.LINK_SECONDS}


def _secret() -> str:
    from flask import current_app

    return current_app.config["SECRET_KEY"]

