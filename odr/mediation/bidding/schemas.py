"""The input of blind bidding (a figure for a named round) and how the API shows a bidding to one reader."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from odr.platform.schemas import BaseSchema, Integer, MajorUnits, required


class Figure(MajorUnits):
    """A figure typed in major units ("9000", "9,000.50"), loaded as minor units; more than zero."""

    invalid = _l("Enter a figure, like 9000 or 9000.50.")
    negative = _l("A figure cannot be negative.")
    zero = _l("A figure must be more than zero.")
    too_large = _l("This figure is too large.")


class BlindBidSchema(BaseSchema):
    """One side's figure for a round: the round is named, so a figure meant for a round that has
    ended is refused rather than counted in the next one."""

    figure = Figure(**required())
    round = Integer(required=True, validate=validate.Range(min=1, error=_l("Rounds are counted from 1.")),
                    error_messages={**required()["error_messages"], "invalid": _l("Name the round by its number.")})


class BiddingRuleOut(Schema):
    """The rule both sides opt in to."""

    rounds = Integer()
    percent = Integer()
    amount_minor = Integer(metadata={"description": "The set amount: a gap up to it settles at the midpoint"})
    currency = fields.String()
    mediator_sees_figures = fields.Boolean()


class BiddingSideOut(Schema):
    """One side's opt-in."""

    opted_in = fields.Boolean()
    opted_in_at = fields.DateTime(allow_none=True)


class BiddingRoundOut(Schema):
    """One round as this reader may know it."""

    number = Integer()
    result = fields.String(metadata={"description": "open, settled or not_settled"})
    figure_in = fields.Dict(keys=fields.String(), values=fields.Boolean(),
                            metadata={"description": "Whether each side has put in its figure"})
    your_figure_minor = Integer(allow_none=True, metadata={"description": "Your side's own figure"})
    figures_minor = fields.Dict(keys=fields.String(), values=Integer(), allow_none=True,
                                metadata={"description": "Both figures: only for the mediator, when the rule says so"})


class BiddingStatusOut(Schema):
    """A case's blind bidding as one reader may see it: never the other side's figure."""

    case = fields.String()
    id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "not_started, opting_in, bidding, settled or not_settled"})
    rule = fields.Nested(BiddingRuleOut)
    sides = fields.Dict(keys=fields.String(), values=fields.Nested(BiddingSideOut))
    your_side = fields.String(allow_none=True)
    current_round = Integer(allow_none=True)
    rounds_left = Integer()
    rounds = fields.List(fields.Nested(BiddingRoundOut))
    settled_amount_minor = Integer(allow_none=True)
    settled_round = Integer(allow_none=True)
    may_opt_in = fields.Boolean()
    may_bid = fields.Boolean()
