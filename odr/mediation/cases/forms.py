"""The referral form's fields as the referral schema's input, and its messages back by the fields."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from odr.platform.errors import ValidationFailed
from odr.platform.schemas import clean_form

STEP_ROWS = 3  # rows for the insurer's internal steps; blank rows are ignored
STEP_FIELDS = ("level", "step_date", "outcome")
_STEP_KEY = re.compile(r"^escalation_steps\.(\d+)\.(.+)$")


def step_name(row: int, field: str) -> str:
    """The form field (and its id) of one cell of the steps' rows."""
    return f"escalation_steps.{row}.{field}"


def referral_input(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The referral as ``ReferralSchema`` reads it, and for each step given the form row it came from."""
    data = clean_form({
        key: value.strip() for key, value in form.items()
        if not key.startswith("escalation_steps.") and key != "csrf_token"
    })
    steps, rows = [], []
    for row in range(STEP_ROWS):
        cells = {field: (form.get(step_name(row, field)) or "").strip() for field in STEP_FIELDS}
        if any(cells.values()):
            steps.append({field: value for field, value in cells.items() if value})
            rows.append(row)
    data["escalation_steps"] = steps
    return data, rows


def by_form_rows(error: ValidationFailed, rows: list[int]) -> ValidationFailed:
    """The same refusal with the steps' messages keyed by the form rows they belong to."""
    fields: dict[str, list[str]] = {}
    for key, messages in error.fields.items():
        match = _STEP_KEY.match(key)
        if match and int(match[1]) < len(rows):
            key = step_name(rows[int(match[1])], match[2])
        fields.setdefault(key, []).extend(messages)
    return ValidationFailed(error.message, fields)


def form_values(form: MultiDict[str, str]) -> dict[str, str]:
    """What the person typed, to put back into the form when it comes back with messages."""
    values = form.to_dict()
    values.pop("csrf_token", None)
    return values
