"""Input and output schemas of documents: the one place their input is validated."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from odr.mediation.documents.policy import DOCUMENT_CHANNELS
from odr.platform.schemas import BaseSchema, Integer, without_tricks

MAX_NAME = 200
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def display_name(raw: str) -> str:
    """A file name safe to show and to put in a header: no folders, controls or direction tricks.

    Only the last part of a path is kept (``../../x.pdf`` is ``x.pdf``); the name is used for
    display and for the download's ``Content-Disposition``, never for a storage key.
    """
    name = unicodedata.normalize("NFC", raw)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in without_tricks(name, strict=True))
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        keep_extension = dot and len(ext) <= 10
        name = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext if keep_extension else name[:MAX_NAME]
    return name


class FileName(fields.String):
    """A file name as the person's computer called it, made safe to display."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = display_name(super()._deserialize(value, attr, data, **kwargs))
        if not name or "." not in name:
            raise ValidationError(str(_l("Give the file's name with its extension, like letter.pdf.")))
        return name


def _channel() -> fields.String:
    return fields.String(load_default="joint", validate=validate.OneOf(
        DOCUMENT_CHANNELS, error=_l("Choose one of the channels offered.")))


class UploadSchema(BaseSchema):
    """An upload through the server: the bytes are the request's body, these are its parameters."""

    name = FileName(required=True, error_messages={"required": _l("This field is required.")})
    channel = _channel()
    replaces = fields.UUID(load_default=None, error_messages={"invalid_uuid": _l("Choose a document of this case.")})
    idempotency_key = fields.String(load_default=None, validate=validate.Length(max=100))


class DirectUploadSchema(UploadSchema):
    """A browser's upload straight to the store: what it announces before sending the bytes."""

    size = Integer(required=True, strict=True, validate=validate.Range(min=1),
                          error_messages={"required": _l("This field is required.")})
    sha256 = fields.String(required=True, validate=validate.Regexp(
        SHA256, error=_l("Give the SHA-256 of the file as 64 lower-case hexadecimal digits.")))


class CompleteSchema(BaseSchema):
    """The token a direct upload was started with."""

    token = fields.String(required=True, validate=validate.Length(min=1, max=4000),
                          error_messages={"required": _l("This field is required.")})


class CarrySchema(BaseSchema):
    """Where the mediator carries a caucus document to."""

    channel = fields.String(required=True, validate=validate.OneOf(
        DOCUMENT_CHANNELS, error=_l("Choose one of the channels offered.")),
        error_messages={"required": _l("This field is required.")})


class DocumentOut(Schema):
    """A document as the API shows it."""

    id = fields.UUID(attribute="public_id")
    chain = fields.UUID(attribute="chain_id")
    case = fields.Function(lambda d: str(d.case.public_id))
    channel = fields.String()
    name = fields.String(attribute="file_name")
    content_type = fields.String()
    size = Integer()
    sha256 = fields.String()
    version = Integer()
    status = fields.Function(lambda d: d.status.value)
    uploaded_by = fields.String(attribute="uploader_label")
    created_at = fields.DateTime()
    carried_from = fields.Function(lambda d: str(d.carried_from.public_id) if d.carried_from else None)


class DirectUploadOut(Schema):
    """Where and how to send the bytes, and the token that completes the upload."""

    url = fields.String()
    method = fields.String()
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    token = fields.String()
    expires_in = Integer()
