"""Direct uploads: the browser sends the bytes straight to the store, then completes the upload here.

Starting one checks it as any upload (``uploads.plan_upload``) and signs its plan into a token;
completing it checks the token, then the bytes that arrived, and records the document the way
``uploads.finish_upload`` records any upload. With the local store the bytes come through this
server after all, to the signed address ``receive_signed`` serves.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, BinaryIO

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from odr.mediation.core.models import Case
from odr.mediation.documents.models import Document
from odr.mediation.documents.services import delete_quietly, refused_error, storage_busy
from odr.mediation.documents.uploads import UploadPlan, finish_upload, plan_upload
from odr.platform.errors import ValidationFailed
from odr.platform.permissions import require
from odr.storage import Storage, StorageUnavailable
from odr.storage.base import AppUrl, LinkInvalid
from odr.storage.intake import HEAD_BYTES, Intake, Received, Refused
from odr.tenants.models import User

UPLOAD_SECONDS = 3600  # a direct upload must be sent and completed within the hour


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="odr.documents.direct-upload")


def start_direct_upload(session: Session, actor: User, case: Case, values: dict[str, Any], *, storage: Storage,
                        secret: str, app_url: AppUrl) -> dict[str, Any] | Document:
    """A signed request for the browser to send the bytes to the store, and the token that completes it.

    :param values: loaded by ``DirectUploadSchema``: name, size, sha256 (hex), channel, replaces,
        idempotency_key
    :param secret: signs the completion token
    :param app_url: makes the local backend's upload address (an application URL)
    """
    plan = plan_upload(session, actor, case, values)
    if isinstance(plan, Document):
        return plan
    if values["size"] > plan.max_bytes:
        raise refused_error(Refused("too_large", max_bytes=plan.max_bytes))
    plan = UploadPlan(**{**asdict(plan), "size": values["size"], "sha256": values["sha256"]})
    upload = storage.upload_url(plan.key, size=values["size"], sha256=values["sha256"],
                                content_type="application/octet-stream", expires_in=UPLOAD_SECONDS, app_url=app_url,
                                owner=str(actor.public_id))
    token = _signer(secret).dumps(asdict(plan))
    return {"url": upload.url, "method": upload.method, "headers": upload.headers, "token": token,
            "expires_in": UPLOAD_SECONDS}


def complete_direct_upload(session: Session, actor: User, case: Case, values: dict[str, Any], *,
                           storage: Storage, secret: str, scanning: bool) -> tuple[Document, bool]:
    """Check the token and the bytes that arrived, then record the document; returns it and whether it is new.

    :param values: loaded by ``CompleteSchema``: token (from ``start_direct_upload``)
    :param storage: the store the browser sent the bytes to
    :param secret: the secret that signed the token
    :param scanning: a malware scanner is configured
    """
    try:
        plan = direct_plan(session, actor, case, values, secret=secret)
    finally:
        # Nothing is written yet: end the transaction before the stored bytes are read again.
        session.commit()
    received = verify_stored(storage, plan)
    return finish_upload(session, actor, case, plan, received, storage=storage, scanning=scanning)


def direct_plan(session: Session, actor: User, case: Case, values: dict[str, Any], *, secret: str) -> UploadPlan:
    """The plan a completion token carries, if it is intact, recent, and the actor's for this case.

    :param values: loaded by ``CompleteSchema``: token
    :param secret: the secret that signed the token
    """
    require(actor, "documents.upload", case)
    invalid = ValidationFailed(str(_l("This upload cannot be completed; please upload the file again.")),
                               {"token": [str(_l("The upload's token is not valid or has expired."))]})
    try:
        fields = _signer(secret).loads(values["token"], max_age=UPLOAD_SECONDS + 600)
        plan = UploadPlan(**{**fields, "categories": tuple(fields["categories"])})
    except (SignatureExpired, BadSignature, TypeError, KeyError):
        raise invalid from None
    if plan.case_id != case.id or plan.uploader_id != actor.id or plan.tenant_id != case.tenant_id:
        raise invalid
    return plan


def verify_stored(storage: Storage, plan: UploadPlan) -> Received:
    """Check the bytes a browser sent straight to the store: there, of the announced size, SHA-256 and type.

    When the store itself vouches for the SHA-256 (S3 checked the signed checksum) only the first bytes
    are read, for the type; otherwise the whole object is read again. Refused bytes are deleted.
    """
    assert plan.size is not None and plan.sha256 is not None
    try:
        info = storage.head(plan.key)
        if info is None:
            raise ValidationFailed(str(_l("The file has not arrived yet; send it first, then complete the upload.")))
        trusted = info.sha256 == plan.sha256 and info.size == plan.size
        with storage.open(plan.key, length=HEAD_BYTES if trusted else None) as stream:
            intake = Intake(stream, name=plan.file_name, max_bytes=plan.max_bytes, categories=plan.categories,
                            expected_size=None if trusted else plan.size,
                            expected_sha256=None if trusted else plan.sha256)
            intake.inspect()
            if trusted:
                return Received(plan.size, plan.sha256, intake.content_type, intake.category)
            return intake.drain()
    except Refused as refused:
        delete_quietly(storage, plan.key)
        raise refused_error(refused) from refused
    except StorageUnavailable as error:
        raise storage_busy() from error


def receive_signed(storage: Storage, actor: User, token: str, stream: BinaryIO, *, max_bytes: int) -> None:
    """Take the bytes of a local backend's signed upload from the user who asked for it: exactly the
    announced size and SHA-256. Anyone else holding the link is refused as if it were not valid."""
    target = storage.resolve(token, purpose="upload")
    if target.owner != str(actor.public_id):
        raise LinkInvalid("the upload link is another user's")
    intake = Intake(stream, name="", max_bytes=max_bytes, categories=None, expected_size=target.size,
                    expected_sha256=target.sha256)
    try:
        intake.inspect()
        storage.put(target.key, intake, content_type=target.content_type, sha256=intake.sha256)
    except Refused as refused:
        raise refused_error(refused) from refused
    except StorageUnavailable as error:
        raise storage_busy() from error
