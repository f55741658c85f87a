"""Input schemas of contact off the platform: a phone task's outcome, and what a party said."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from odr.platform.schemas import BaseSchema, Text, at_most, required

RESULTS = {
    "reached": _l("I spoke to them"),
    "left_message": _l("I left a message"),
    "no_answer": _l("Nobody answered"),
    "unreachable": _l("The number is wrong or not in service"),
}
PARTIES = {"customer": _l("The customer"), "insurer": _l("The insurer")}
MEDIA = {"phone": _l("By phone"), "post": _l("By post")}
VISIBILITY = {
    "caucus": _l("Only the mediator and this party (their private channel)"),
    "joint": _l("Everyone in the case"),
}
NOTE_MAX = 2000
SUMMARY_MAX = 5000


def _one_of(choices: dict[str, Any]) -> validate.OneOf:
    return validate.OneOf(list(choices), error=str(_l("Choose one of the options offered.")))


class DateField(fields.Date):
    """A calendar date, with a plain message when it cannot be read."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            raise ValidationError(str(_l("Enter a date like 2026-03-31."))) from exc


class TaskOutcomeSchema(BaseSchema):
    """How a phone call went, with a note for the case file."""

    result = fields.String(**required(), validate=_one_of(RESULTS))
    note = Text(**required(), validate=at_most(NOTE_MAX))


class ContactSchema(BaseSchema):
    """What a party said by phone or post, as the case manager records it for them."""

    party = fields.String(**required(), validate=_one_of(PARTIES))
    medium = fields.String(**required(), validate=_one_of(MEDIA))
    received_on = DateField(**required())
    speaker = fields.String(load_default=None, allow_none=True, validate=at_most(200))
    summary = Text(**required(), validate=at_most(SUMMARY_MAX))
    visibility = fields.String(load_default="caucus", validate=_one_of(VISIBILITY))
