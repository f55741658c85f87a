"""Input validation the domains share: the schema base, the common fields, and ``load()``.

Every input is validated by one marshmallow schema; ``load`` turns a refusal into the one
"some fields need to be corrected" error, with each field's messages in plain words.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from odr.platform.errors import ValidationFailed


class MajorUnits(fields.Field):
    """An amount of money typed in major units ("6400", "6,400.50"), loaded as integer minor units
    (hundredths); never negative. A subclass says it in its own words, and may refuse zero."""

    invalid: Any = _l("Enter an amount, like 3000 or 3000.50.")
    negative: Any = _l("An amount cannot be negative.")
    zero: Any = None  # the refusal of zero, when zero is not an amount here
    too_large: Any = _l("This amount is too large.")
    maximum = 100_000_000_000  # a thousand million in major units: no dispute here is larger

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = str(value).strip().replace(",", "").replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or len(text) > 16 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(str(self.invalid))
        if amount < 0:
            raise ValidationError(str(self.negative))
        if amount == 0 and self.zero is not None:
            raise ValidationError(str(self.zero))
        minor = int(amount * 100)
        if minor > self.maximum:
            raise ValidationError(str(self.too_large))
        return minor


class Email(fields.String):
    """An e-mail address, checked for syntax and normalised to lower case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValidationError(str(_l("Enter a valid e-mail address, like name@example.com."))) from exc
        return checked.normalized.lower()


# Characters that change how text reads without being seen. The bidirectional embeddings, overrides and
# isolates reorder what follows them (an "invoice\u202efdp.exe" reads as "invoiceexe.pdf"); controls,
# lone surrogates and line or paragraph separators have no place in any text. Names go further and lose
# every invisible character (zero-width, format, private use); messages keep those, which joined emoji
# and some scripts need.
_DIRECTION_TRICKS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NEVER = frozenset({"Cc", "Cs", "Zl", "Zp"})
_UNSEEN = _NEVER | {"Cf", "Co"}


def without_tricks(text: str, *, keep: str = "", strict: bool = False) -> str:
    """``text`` without direction tricks, controls (but those in ``keep``), lone surrogates and line or
    paragraph separators; ``strict`` drops every other invisible character too (for names)."""
    dropped = _UNSEEN if strict else _NEVER
    return "".join(ch for ch in text if ch in keep or (
        ch not in _DIRECTION_TRICKS and unicodedata.category(ch) not in dropped))


def shows_something(text: str) -> bool:
    """True when ``text`` has at least one character a reader can see."""
    return any(not ch.isspace() and unicodedata.category(ch) not in _UNSEEN for ch in text)


class Text(fields.String):
    """Free text, trimmed; blank counts as missing."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise ValidationError(str(_l("This field is required.")))
        return text


# The largest integer a database column holds (BIGINT, and SQLite's INTEGER): a number past it is no
# sequence number, size or page anyone has, and the database would refuse it with an error of its own.
MAX_INTEGER = 2**63 - 1


class Integer(fields.Integer):
    """An integer, refused in plain words when past what a database column holds (every schema's integer)."""

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number is not None and not -MAX_INTEGER <= number <= MAX_INTEGER:
            raise ValidationError(str(_l("This number is too large.")))
        return number


def required() -> dict[str, Any]:
    """A required field: missing or null is refused in plain words."""
    return {
        "required": True,
        "error_messages": {"required": _l("This field is required."), "null": _l("This field is required.")},
    }


def required_text() -> dict[str, Any]:
    """A required text field: missing, null or not text is refused in plain words."""
    spec = required()
    spec["error_messages"]["invalid"] = _l("Enter this as text.")
    return spec


def at_most(n: int) -> validate.Length:
    """At most ``n`` characters, said so."""
    return validate.Length(max=n, error=_l("Use at most %(n)s characters.", n=n))


class BaseSchema(Schema):
    """Unknown fields are dropped; messages are translated."""

    class Meta:
        unknown = EXCLUDE


def clean_form(form: dict[str, Any]) -> dict[str, Any]:
    """Blank optional form fields become missing, so defaults apply."""
    return {key: value for key, value in form.items() if value not in ("", None)}


def load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """Validate ``data`` with ``schema``; a refusal is a field error and changes nothing."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed.on_fields(_field_messages(exc.messages)) from exc


def _field_messages(messages: Any) -> dict[str, list[str]]:
    """Marshmallow's messages as ``{field: [text, ...]}``.

    A lazily translated message (the schemas' ``error_messages``) reaches marshmallow as an
    object that is not a ``str``, so it keeps it as is instead of in a list; the pages and the
    API expect a list of plain strings for every field. Nested fields are flattened to dotted
    keys (``escalation_steps.0.step_date``), the names the forms give their inputs.
    """
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    flat: dict[str, list[str]] = {}
    for field, texts in messages.items():
        if isinstance(texts, dict):
            # A nested schema or a list of them: one key per inner field, e.g. ``steps.0.date``.
            for inner, inner_texts in _field_messages(texts).items():
                key = field if inner == "_schema" else f"{field}.{inner}"
                flat.setdefault(key, []).extend(inner_texts)
            continue
        flat.setdefault(str(field), []).extend(
            str(text) for text in (texts if isinstance(texts, list | tuple) else [texts])
        )
    return flat
