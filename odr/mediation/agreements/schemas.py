"""The input of the agreement's forms, and the agreement as the API shows it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from odr.platform.schemas import BaseSchema, Integer, Text, at_most, required, required_text


class DetailsSchema(BaseSchema):
    """How and by when the insurer pays."""

    payment_method = Text(**required_text(), validate=at_most(300))
    payment_days = Integer(**required(), validate=validate.Range(min=1, max=365, error=_l("From 1 to 365 days.")))


class TextSchema(BaseSchema):
    """The draft's text as the mediator changed it."""

    text = Text(**required_text())


class SignSchema(BaseSchema):
    """A signature: the name typed, the boxes ticked, the proof of identity, the hash of the text shown."""

    full_name = Text(**required_text(), validate=at_most(200))
    agree = fields.Boolean(load_default=False)
    consent = fields.Boolean(load_default=False)
    password = fields.String(load_default="", validate=at_most(500))
    code = fields.String(load_default="", validate=at_most(20))
    text_sha256 = fields.String(**required(), validate=validate.Length(equal=64))


class SignatureOut(Schema):
    """Who signed, as what, when and how (never from where)."""

    role = fields.String()
    full_name = fields.String()
    method = fields.String()
    signed_at = fields.DateTime()


class AgreementOut(Schema):
    """The agreement's state, its text's hash, its signatures and the sealed PDF's link."""

    id = fields.String()
    case = fields.String()
    status = fields.String()
    round = Integer()
    amount_minor = Integer()
    currency = fields.String()
    terms = fields.List(fields.Dict())
    payment_days = Integer()
    payment_method = fields.String()
    text = fields.String()
    text_sha256 = fields.String(allow_none=True)
    signatures = fields.List(fields.Nested(SignatureOut))
    required_signers = fields.List(fields.String())
    pdf_sha256 = fields.String(allow_none=True)
    pdf_url = fields.String(allow_none=True)
    sealed_at = fields.DateTime(allow_none=True)
