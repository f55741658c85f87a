"""The input of offers and proposals: the amount in the case's currency, terms beyond money, an expiry,
the offer answered, the channel; conveying; and how the API shows them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from odr.mediation.core.labels import TERM_KINDS  # noqa: F401 - the offers' terms are the kernel's words
from odr.platform.schemas import BaseSchema, Integer, MajorUnits, at_most, required


class Amount(MajorUnits):
    """An offer's amount typed in major units ("6400", "6,400.50"), loaded as minor units; never negative."""


class TermSchema(BaseSchema):
    """One term beyond money."""

    kind = fields.String(**required(), validate=validate.OneOf(list(TERM_KINDS), error=_l("Choose from the list.")))
    text = fields.String(load_default="", validate=at_most(500))


class OfferSchema(BaseSchema):
    """A new offer, or a counter-offer to ``replies_to``."""

    amount = Amount(**required())
    currency = fields.String(**required(), validate=validate.Length(equal=3, error=_l("Use the three-letter code.")))
    terms = fields.List(fields.Nested(TermSchema), load_default=list, validate=validate.Length(max=10))
    expires_in_days = Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=90, error=_l("From 1 to 90 days.")))
    replies_to = fields.UUID(load_default=None, allow_none=True, error_messages={"invalid": _l("No such offer.")})
    channel = fields.String(load_default="joint", validate=validate.OneOf(["joint", "caucus"], error=_l(
        "Choose who sees the offer: everyone, or the mediator only.")))


class ProposalSchema(BaseSchema):
    """A mediator's proposal to both parties."""

    amount = Amount(**required())
    currency = fields.String(**required(), validate=validate.Length(equal=3, error=_l("Use the three-letter code.")))
    terms = fields.List(fields.Nested(TermSchema), load_default=list, validate=validate.Length(max=10))
    expires_in_days = Integer(load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=90, error=_l("From 1 to 90 days.")))


class ConveySchema(BaseSchema):
    """The mediator conveys a caucus offer: with its figure, or only that a move was made."""

    with_figure = fields.Boolean(required=True, error_messages={
        "required": _l("Choose whether to convey the figure."), "null": _l("Choose whether to convey the figure."),
        "invalid": _l("Choose whether to convey the figure.")})


class ResponseSchema(BaseSchema):
    """An answer to an offer."""

    decision = fields.String(**required(), validate=validate.OneOf(["accept", "reject"],
                                                                   error=_l("Accept or reject.")))


class OfferOut(Schema):
    """An offer as the API shows it."""

    id = fields.UUID(attribute="public_id")
    case = fields.Function(lambda o: str(o.case.public_id))
    side = fields.String()
    amount_minor = Integer()
    currency = fields.String()
    terms = fields.List(fields.Dict())
    status = fields.Function(lambda o: o.status.value)
    replies_to = fields.Function(lambda o: str(o.replies_to.public_id) if o.replies_to else None)
    channel = fields.String(metadata={"description": "Where it was made: joint, or the maker's caucus"})
    conveyed = fields.Function(lambda o: ("figure" if o.conveyed_figure else "move") if o.conveyed_at else None,
                               metadata={"description": "A caucus offer the mediator conveyed: with the figure "
                                                        "(figure) or only that a move was made (move)"})
    made_by = fields.String(attribute="made_by_label")
    expires_at = fields.DateTime()
    answer_by = fields.DateTime(allow_none=True, metadata={"description": "When the other side's turn to answer "
                                                                          "falls due"})
    answer_extended = fields.Boolean(metadata={"description": "A late counter-offer extended that turn by 5 days"})
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ProposalOut(Schema):
    """A mediator's proposal as the API shows it to one reader: a party sees its own answer only."""

    id = fields.UUID()
    case = fields.UUID()
    amount_minor = Integer()
    currency = fields.String()
    terms = fields.List(fields.Dict())
    status = fields.String(metadata={"description": "open, accepted (by both), not_accepted, closed"})
    expires_at = fields.DateTime()
    disclosed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    your_answer = fields.String(allow_none=True, metadata={"description": "The reader's side's answer"})
    answers = fields.Dict(allow_none=True, metadata={"description": "Both answers, for the mediator and staff"})
