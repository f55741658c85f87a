"""Input schemas of the room: socket events, the page's forms, reply templates."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from odr.mediation.core.events import CAUCUS_CUSTOMER, CAUCUS_INSURER, JOINT, STAFF
from odr.mediation.rooms.models import MAX_TEXT
from odr.platform.i18n import number
from odr.platform.schemas import BaseSchema, Integer, Text, required, shows_something, without_tricks

ROOM_CHANNELS = (JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER, STAFF)


class MessageText(Text):
    """A message: trimmed, line breaks kept as ``\\n``, at most 10,000 characters."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).replace("\r\n", "\n").replace("\r", "\n")
        # Tab and line feed are the only controls a message keeps; direction tricks are dropped as in names.
        text = without_tricks(text, keep="\t\n").strip()
        if not shows_something(text):
            raise ValidationError(str(_l("Write something that can be read: this message has no visible text.")))
        if len(text) > MAX_TEXT:
            raise ValidationError(str(_l("A message can be at most %(limit)s characters long; this one has "
                                         "%(length)s.", limit=number(MAX_TEXT), length=number(len(text)))))
        return text


class Channel(fields.String):
    """One of the room's channels."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.OneOf(ROOM_CHANNELS, error=str(_l("There is no such channel."))),
                         **kwargs)


class CaseRef(BaseSchema):
    """Names the case (its public id)."""

    case = fields.UUID(**required())


class SendSchema(CaseRef):
    """A new message."""

    channel = Channel(**required())
    client_id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$",
                                                       error=str(_l("The message id is not valid."))),
                              **required())
    text = MessageText(**required())


class SyncSchema(CaseRef):
    """Everything after a sequence number."""

    after = Integer(load_default=0, validate=validate.Range(min=0))
    limit = Integer(load_default=500, validate=validate.Range(min=1, max=500))


class ChannelEventSchema(CaseRef):
    """Typing in a channel."""

    channel = Channel(**required())


class ReadSchema(CaseRef):
    """Read up to a sequence number in a channel."""

    channel = Channel(**required())
    seq = Integer(validate=validate.Range(min=0), **required())


class RetractSchema(CaseRef):
    """Take back one's own message."""

    seq = Integer(validate=validate.Range(min=1), **required())


class CarrySchema(CaseRef):
    """Carry a message to another channel."""

    seq = Integer(validate=validate.Range(min=1), **required())
    to = Channel(**required())


class ModeSchema(CaseRef):
    """Shuttle-only on or off, with a reason the parties are shown."""

    shuttle_only = fields.Boolean(**required())
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class ReplyTemplateSchema(BaseSchema):
    """A saved reply."""

    title = Text(validate=validate.Length(max=120, error=str(_l("At most %(max)s characters.", max=120))),
                 **required())
    text = MessageText(**required())
    shared = fields.Boolean(load_default=False)
