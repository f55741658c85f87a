"""Input schemas of cases: the one place referral and screening input is validated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from babel.numbers import get_currency_precision, list_currencies
from flask_babel import lazy_gettext as _l
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from odr.mediation.core.models import (
    ComplaintCategory,
    EscalationLevel,
    ProductLine,
    ServiceKind,
    Side,
)
from odr.mediation.core.states import CaseState
from odr.platform.schemas import BaseSchema, Email, Integer, Text, required, without_tricks

MAX_AMOUNT_MINOR = 10**12  # ten billion in major units: anything above is a typing error
CURRENCIES = frozenset(list_currencies())


def _choice(enum_cls: type) -> fields.Enum:
    return fields.Enum(
        enum_cls,
        by_value=True,
        required=True,
        error_messages={"unknown": _l("Choose one of the options offered."), "required": _l("This field is required.")},
    )


class PastDate(fields.Date):
    """A calendar date that is not in the future."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            day = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            raise ValidationError(str(_l("Enter a date like 2026-03-31."))) from exc
        today = self.context_today()
        if day > today:
            raise ValidationError(str(_l("This date is in the future.")))
        if day.year < 1990:
            raise ValidationError(str(_l("This date is too far in the past.")))
        return day

    def context_today(self) -> date:
        """Today, in UTC (a day's slack either side does not change the checks)."""
        from odr.platform.db import utcnow

        return utcnow().date()


class EscalationStepSchema(BaseSchema):
    """One internal step of the insurer's complaint handling."""

    level = _choice(EscalationLevel)
    step_date = PastDate(**required())
    outcome = Text(**required(), validate=validate.Length(max=2000))


class ReferralSchema(BaseSchema):
    """A referral: the customer, the policy, the complaint, the money, the insurer's own handling."""

    customer_name = Text(**required(), validate=validate.Length(max=200))
    customer_email = Email(**required())
    customer_phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\+?[0-9 ()./-]{6,40}$", error=_l("Enter a phone number, like +44 20 7946 0000.")),
    )
    customer_language = fields.String(load_default="en", validate=validate.Length(min=2, max=10))
    customer_needs = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    policy_number = Text(**required(), validate=validate.Length(max=60))
    product_line = _choice(ProductLine)
    complaint_category = _choice(ComplaintCategory)
    complaint_summary = Text(**required(), validate=validate.Length(max=10_000))
    complaint_date = PastDate(**required())

    amount = fields.Decimal(
        required=True, places=None, as_string=False,
        error_messages={"invalid": _l("Enter an amount, like 1250.00."), "required": _l("This field is required.")},
    )
    currency = fields.String(**required())
    # Ticked when the customer wants something other than money (an apology, a corrected record):
    # only then is an amount of 0 meant, and not a slip.
    no_money_sought = fields.Boolean(load_default=False, truthy={"1", "on", "true", "yes", True},
                                     falsy={"0", "off", "false", "no", "", False})
    desired_outcome = Text(**required(), validate=validate.Length(max=5000))
    service = _choice(ServiceKind)

    escalation_steps = fields.List(fields.Nested(EscalationStepSchema), load_default=list)
    final_response_date = PastDate(load_default=None, allow_none=True)
    final_response_summary = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    no_final_response_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    organisation_id = fields.UUID(load_default=None, allow_none=True)
    idempotency_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=8, max=100))

    @validates("currency")
    def _known_currency(self, value: str, **kwargs: Any) -> None:
        if value.upper() not in CURRENCIES or len(value) != 3:
            raise ValidationError(str(_l("Use a three-letter ISO 4217 currency code, like EUR or GBP.")))

    # The rules across fields run even when a field failed, so that the form shows every message at once.
    @validates_schema(skip_on_field_errors=False)
    def _coherent(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        complaint = data.get("complaint_date")
        final = data.get("final_response_date")
        if complaint and final and final < complaint:
            errors["final_response_date"] = [str(_l("The final response cannot come before the complaint."))]
        for index, step in enumerate(data.get("escalation_steps") or []):
            step_date = step.get("step_date") if isinstance(step, dict) else None
            if complaint and step_date and step_date < complaint:
                errors[f"escalation_steps.{index}.step_date"] = [
                    str(_l("An internal step cannot come before the complaint."))
                ]
        if final and not (data.get("final_response_summary") or "").strip():
            errors["final_response_summary"] = [str(_l("Summarise the final response."))]
        amount_problem = _amount_problem(data.get("amount"), data.get("currency"), data.get("no_money_sought", False))
        if amount_problem:
            errors["amount"] = [amount_problem]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_minor_units(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        currency = data["currency"].upper()
        data.pop("no_money_sought", None)
        data["currency"] = currency
        data["amount_minor"] = int(data.pop("amount").scaleb(get_currency_precision(currency)))
        for key in ("customer_needs", "final_response_summary", "no_final_response_reason", "customer_phone"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip() or None
        return data


def _amount_problem(amount: Decimal | None, currency: str | None, no_money_sought: bool) -> str | None:
    """What is wrong with the amount in dispute, in plain words; None when nothing is."""
    if amount is None:
        return None
    if amount < 0:
        return str(_l("The amount cannot be negative."))
    if amount * 100 >= MAX_AMOUNT_MINOR:
        return str(_l("This amount is not plausible; check it."))
    if amount == 0 and not no_money_sought:
        return str(_l("Enter the amount in dispute. Enter 0 only when the customer wants something other "
                      "than money, and then tick “No money is sought”."))
    if amount > 0 and no_money_sought:
        return str(_l("You ticked “No money is sought”: enter 0, or untick it."))
    if currency and currency.upper() in CURRENCIES:
        precision = get_currency_precision(currency.upper())
        scaled = amount.scaleb(precision)
        if scaled != scaled.to_integral_value():
            return str(_l("%(currency)s has %(n)s decimal places.", currency=currency.upper(), n=precision))
    return None


class ReasonSchema(BaseSchema):
    """A reason, written out (rejections, overrides, pauses, escalation requests)."""

    reason = Text(**required(), validate=validate.Length(min=5, max=2000))


class OverrideSchema(ReasonSchema):
    """Override one failed screening rule, with the reason recorded."""

    rule = fields.String(**required())


class RepresentativeSchema(BaseSchema):
    """Someone to act for a party."""

    email = Email(**required())
    full_name = Text(**required(), validate=validate.Length(max=200))
    relationship = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    side = fields.Enum(Side, by_value=True, load_default=Side.CUSTOMER)


# Case lists ------------------------------------------------------------------------------------

UNASSIGNED = "none"


class CaseFilterSchema(BaseSchema):
    """A case list's filters, search and page, as the query string carries them."""

    state = fields.List(fields.String(), load_default=list)
    tier = Integer(
        load_default=None, allow_none=True,
        validate=validate.Range(min=1, max=4, error=_l("Choose a tier from 1 to 4.")),
        error_messages={"invalid": _l("Choose a tier from 1 to 4.")},
    )
    overdue = fields.Boolean(load_default=False, error_messages={"invalid": _l("Choose yes or no.")})
    insurer = fields.UUID(load_default=None, allow_none=True,
                          error_messages={"invalid_uuid": _l("Choose one of the options offered.")})
    mediator = fields.String(load_default=None, allow_none=True)
    q = fields.String(load_default=None, allow_none=True,
                      validate=validate.Length(max=100, error=_l("Use at most %(n)s characters.", n=100)))
    page = Integer(
        load_default=1, validate=validate.Range(min=1, max=100_000, error=_l("Choose a page from 1 on.")),
        error_messages={"invalid": _l("Choose a page from 1 on.")},
    )

    @validates("state")
    def _states(self, value: list[str], **kwargs: Any) -> None:
        if any(item not in CaseState._value2member_map_ for item in value):
            raise ValidationError(str(_l("Choose one of the options offered.")))

    @validates("mediator")
    def _mediator(self, value: str | None, **kwargs: Any) -> None:
        if value in (None, UNASSIGNED):
            return
        try:
            UUID(value)
        except ValueError:
            raise ValidationError(str(_l("Choose one of the options offered."))) from None

    @post_load
    def _tidy(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["state"] = [CaseState(item) for item in data.get("state") or []]
        # A search for controls (a NUL byte) or direction tricks is a search for what is left.
        data["q"] = without_tricks(data.get("q") or "").strip() or None
        return data


def filters_from_args(args: Any) -> dict[str, Any]:
    """A query string (a MultiDict) as the filter schema's input: ``state`` may repeat, blanks are dropped."""
    data: dict[str, Any] = {key: value for key, value in args.items() if key != "state" and value not in ("", None)}
    states = [value for value in args.getlist("state") if value]
    if states:
        data["state"] = states
    return data


# Output (the REST API) -----------------------------------------------------------------------------


class PersonOut(Schema):
    """Someone named on a case."""

    id = fields.UUID(attribute="public_id")
    name = fields.String(attribute="full_name")


class InsurerOut(Schema):
    """The insurer of a case."""

    id = fields.UUID(attribute="public_id")
    name = fields.String()


def _amount(case: Any) -> str:
    precision = get_currency_precision(case.currency)
    return str(Decimal(case.amount_minor).scaleb(-precision).quantize(Decimal(1).scaleb(-precision)))


class CaseSummaryOut(Schema):
    """A case as a list shows it."""

    id = fields.UUID(attribute="public_id")
    reference = fields.String()
    state = fields.Enum(CaseState, by_value=True)
    tier = Integer()
    service = fields.Enum(ServiceKind, by_value=True)
    insurer = fields.Nested(InsurerOut, attribute="organisation")
    customer_name = fields.String()
    amount_minor = Integer()
    currency = fields.String()
    amount = fields.Function(_amount, metadata={"description": "The amount in major units, as a decimal string"})
    mediator = fields.Nested(PersonOut, allow_none=True)
    case_manager = fields.Nested(PersonOut, allow_none=True)
    referred_at = fields.DateTime()
    outcome_due_at = fields.DateTime(allow_none=True)
    possible_duplicate = fields.Function(lambda case: case.possible_duplicate_of_id is not None)


class EscalationStepOut(Schema):
    """One internal step of the insurer's complaint handling."""

    level = fields.Enum(EscalationLevel, by_value=True)
    step_date = fields.Date()
    outcome = fields.String()


class RepresentativeOut(Schema):
    """Someone acting for a party."""

    name = fields.String(attribute="full_name")
    side = fields.Enum(Side, by_value=True)
    relationship = fields.String(attribute="relationship_note", allow_none=True)


class CaseOut(CaseSummaryOut):
    """A case with the whole referral."""

    customer_email = fields.String()
    customer_phone = fields.String(allow_none=True)
    customer_language = fields.String()
    customer_needs = fields.String(allow_none=True)
    policy_number = fields.String()
    product_line = fields.Enum(ProductLine, by_value=True)
    complaint_category = fields.Enum(ComplaintCategory, by_value=True)
    complaint_summary = fields.String()
    complaint_date = fields.Date()
    desired_outcome = fields.String()
    escalation_steps = fields.List(fields.Nested(EscalationStepOut))
    final_response_date = fields.Date(allow_none=True)
    final_response_summary = fields.String(allow_none=True)
    no_final_response_reason = fields.String(allow_none=True)
    representatives = fields.List(fields.Nested(RepresentativeOut))
    rejection_reason = fields.String(allow_none=True)
    clock_paused = fields.Function(lambda case: case.clock_paused_at is not None)
    clock_extended = fields.Boolean()
    closed_at = fields.DateTime(allow_none=True)


class CasePageOut(Schema):
    """One page of a case list."""

    items = fields.List(fields.Nested(CaseSummaryOut))
    total = Integer(metadata={"description": "Cases matching the filters, on every page"})
    page = Integer()
    pages = Integer()
    page_size = Integer()
