"""The tenant's policy document, described setting by setting, so one page can show and change it.

The policy is a JSON document on the tenant (``Tenant.policy``); each capability reads its own keys
with its own defaults. To put a setting on the policy page, a capability registers a ``Section``
of ``Setting``s at start-up (``register_section``): each names its place in the document (a dotted
path), its kind (which says its unit, how it is entered and how it is shown), its default, its
bounds and its meaning. A section may also say what a change does to open cases (``effects``) and
apply that to them when the admin asks for it (``apply``): deadlines already set keep their dates
unless the admin chooses to recompute them.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from marshmallow import Schema, ValidationError, fields

from odr.platform.i18n import money, number


class Kind(enum.StrEnum):
    """What a setting holds: its unit, how it is typed in and how it reads."""

    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    MINUTES = "minutes"
    COUNT = "count"
    MEGABYTES = "megabytes"  # stored in bytes
    MONEY = "money"  # stored in minor units of ``currency``, typed in major units
    SWITCH = "switch"
    DAY_LIST = "day_list"  # a few distinct day counts, largest first ("3, 1")
    CHOICES = "choices"  # at least one of a fixed set
    CODE = "code"  # a few capital letters


MEGABYTE = 1024 * 1024
NUMERIC = {Kind.DAYS, Kind.WEEKS, Kind.MONTHS, Kind.MINUTES, Kind.COUNT, Kind.MEGABYTES}


def _unit(kind: Kind, value: int) -> str:
    words = {
        Kind.DAYS: lambda n: ngettext("%(num)s day", "%(num)s days", n),
        Kind.WEEKS: lambda n: ngettext("%(num)s week", "%(num)s weeks", n),
        Kind.MONTHS: lambda n: ngettext("%(num)s month", "%(num)s months", n),
        Kind.MINUTES: lambda n: ngettext("%(num)s minute", "%(num)s minutes", n),
        Kind.MEGABYTES: lambda n: str(_l("%(num)s MB", num=number(n))),
        Kind.COUNT: lambda n: number(n),
    }
    return str(words[kind](value))


UNIT_WORDS = {
    Kind.DAYS: _l("days"), Kind.WEEKS: _l("weeks"), Kind.MONTHS: _l("months"), Kind.MINUTES: _l("minutes"),
    Kind.MEGABYTES: _l("MB"), Kind.DAY_LIST: _l("days before"),
}


@dataclass(frozen=True)
class Setting:
    """One value of the policy: where it lives, what it means, its default and its bounds."""

    path: str  # dotted, e.g. "deadlines.response_days"
    label: Any  # a lazy string
    meaning: Any
    kind: Kind
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    currency: str | None = None  # MONEY
    choices: tuple[tuple[str, Any], ...] = ()  # CHOICES: (value, label)
    most: int = 5  # DAY_LIST: at most this many days

    @property
    def name(self) -> str:
        """The form field's name and id (no dots, which selectors and fragments trip over)."""
        return self.path.replace(".", "__")

    @property
    def unit(self) -> str:
        """The unit typed beside the input ("days"), or nothing."""
        if self.kind is Kind.MONEY:
            return self.currency or ""
        return str(UNIT_WORDS.get(self.kind, ""))

    def value(self, policy: dict[str, Any]) -> Any:
        """The tenant's value, else the default (in the stored form: bytes, minor units)."""
        node: Any = policy
        for part in self.path.split("."):
            if not isinstance(node, dict) or part not in node:
                return copy.deepcopy(self.default)
            node = node[part]
        return node

    def shown(self, value: Any) -> str:
        """``value`` as a reader reads it: "14 days", "On", "£445,000.00", "3 and 1 days before"."""
        if value is None:
            return "–"
        if self.kind is Kind.SWITCH:
            return str(_l("On") if value else _l("Off"))
        if self.kind is Kind.MONEY:
            return money(int(value), self.currency or "EUR")
        if self.kind is Kind.MEGABYTES:
            return _unit(self.kind, int(value) // MEGABYTE)
        if self.kind is Kind.DAY_LIST:
            days = [int(d) for d in value]
            if not days:
                return str(_l("None"))
            return ngettext("%(days)s day before", "%(days)s days before", days[0] if len(days) == 1 else 2,
                            days=", ".join(number(d) for d in days))
        if self.kind is Kind.CHOICES:
            labels = dict(self.choices)
            return ", ".join(str(labels.get(v, v)) for v in value)
        if self.kind is Kind.CODE:
            return str(value)
        return _unit(self.kind, int(value))

    def form_value(self, value: Any) -> Any:
        """``value`` as the form's input holds it (megabytes, major units, "3, 1")."""
        if self.kind is Kind.MEGABYTES:
            return str(int(value) // MEGABYTE)
        if self.kind is Kind.MONEY:
            return f"{Decimal(int(value)) / 100:.2f}"
        if self.kind is Kind.DAY_LIST:
            return ", ".join(str(int(d)) for d in value)
        if self.kind is Kind.SWITCH:
            return bool(value)
        if self.kind is Kind.CHOICES:
            return list(value)
        return str(value)

    def bounds_text(self) -> str:
        """The range allowed, in words."""
        if self.minimum is None or self.maximum is None:
            return ""
        if self.kind is Kind.MONEY:
            return str(_l("From %(low)s to %(high)s.", low=money(self.minimum, self.currency or "EUR"),
                          high=money(self.maximum, self.currency or "EUR")))
        low, high = (number(self.minimum), number(self.maximum))
        if self.kind is Kind.COUNT:
            return str(_l("From %(low)s to %(high)s.", low=low, high=high))
        if self.kind is Kind.CODE:
            return str(_l("From %(low)s to %(high)s letters.", low=low, high=high))
        return str(_l("From %(low)s to %(high)s %(unit)s.", low=low, high=high, unit=self.unit))

    def field(self) -> fields.Field:
        """The marshmallow field that checks the form's input and turns it into the stored form."""
        return _FIELDS[self.kind](self)


def _out_of_range(setting: Setting) -> ValidationError:
    return ValidationError(str(_l("Enter a value in the range allowed. %(range)s", range=setting.bounds_text())))


class _SettingField(fields.Field):
    def __init__(self, setting: Setting) -> None:
        super().__init__(required=True, data_key=setting.name, error_messages={
            "required": _l("This field is required."), "null": _l("This field is required.")})
        self.setting = setting

    def _text(self, value: Any) -> str:
        """The input's text; an empty one is missing, said so."""
        text = str(value).strip()
        if not text:
            raise ValidationError(str(_l("This field is required.")))
        return text

    def _bounded(self, value: int) -> int:
        s = self.setting
        if (s.minimum is not None and value < s.minimum) or (s.maximum is not None and value > s.maximum):
            raise _out_of_range(s)
        return value


class _Whole(_SettingField):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = self._text(value)
        if not text.lstrip("-").isdigit() or len(text) > 12:
            raise ValidationError(str(_l("Enter a whole number, like 14.")))
        number_ = self._bounded(int(text))
        return number_ * MEGABYTE if self.setting.kind is Kind.MEGABYTES else number_


class _Money(_SettingField):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        text = self._text(value).replace(",", "").replace(" ", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or len(text) > 16 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(str(_l("Enter an amount, like 445000 or 445000.00.")))
        return self._bounded(int(amount * 100))


class _Switch(_SettingField):
    def __init__(self, setting: Setting) -> None:
        super().__init__(setting)
        self.required = False
        self.load_default = False

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        return str(value).lower() in {"1", "true", "on", "yes"}


class _DayList(_SettingField):
    def __init__(self, setting: Setting) -> None:
        super().__init__(setting)
        self.required = False
        self.load_default = []

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[int]:
        parts = [p for p in str(value).replace(";", ",").replace(" ", ",").split(",") if p]
        if not all(p.isdigit() and len(p) < 6 for p in parts):
            raise ValidationError(str(_l("Enter whole numbers of days separated by commas, like 3, 1.")))
        days = sorted({int(p) for p in parts}, reverse=True)
        if len(days) > self.setting.most:
            raise ValidationError(str(_l("Enter at most %(n)s numbers.", n=self.setting.most)))
        for day in days:
            self._bounded(day)
        return days


class _Choices(_SettingField):
    def __init__(self, setting: Setting) -> None:
        super().__init__(setting)
        self.error_messages["required"] = _l("Choose at least one.")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        chosen = value if isinstance(value, list | tuple) else [value]
        allowed = [v for v, _label in self.setting.choices]
        if any(c not in allowed for c in chosen):
            raise ValidationError(str(_l("Choose from the list.")))
        picked = [v for v in allowed if v in chosen]
        if not picked:
            raise ValidationError(str(_l("Choose at least one.")))
        return picked


class _Code(_SettingField):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = self._text(value).upper()
        low, high = self.setting.minimum or 1, self.setting.maximum or 10
        if not (low <= len(text) <= high and text.isascii() and text.isalpha()):
            raise ValidationError(str(_l("Use %(low)s to %(high)s letters, like MED.", low=low, high=high)))
        return text


_FIELDS: dict[Kind, Callable[[Setting], fields.Field]] = {
    **{kind: _Whole for kind in NUMERIC},
    Kind.MONEY: _Money,
    Kind.SWITCH: _Switch,
    Kind.DAY_LIST: _DayList,
    Kind.CHOICES: _Choices,
    Kind.CODE: _Code,
}


@dataclass(frozen=True)
class Effect:
    """What a change would do to one open case: a deadline that would move, and where to."""

    case_reference: str
    case_url: str  # the case page
    what: str  # what is due, in the reader's words
    due_now: Any  # datetime
    due_then: Any  # datetime
    at_once: bool = False  # the new time is already past: it would be overdue as soon as it is saved


@dataclass(frozen=True)
class Section:
    """A capability's settings on the policy page, with what a change does to open cases."""

    key: str
    title: Any
    description: Any
    settings: tuple[Setting, ...]
    # (session, tenant, old policy, new policy) -> the open deadlines that would move
    effects: Callable[..., list[Effect]] | None = None
    # (session, tenant, actor, old policy, new policy) -> how many deadlines it moved
    apply: Callable[..., int] | None = None
    order: int = 100
    # (path, note): said on the review when the setting at path changes
    notes: tuple[tuple[str, Any], ...] = field(default_factory=tuple)


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Put ``section`` on the policy page (a capability's ``register``); once per key."""
    _SECTIONS[section.key] = section


def sections() -> list[Section]:
    """Every registered section, in page order."""
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def all_settings() -> list[Setting]:
    """Every setting of every section, in page order."""
    return [s for section in sections() for s in section.settings]


def setting_at(path: str) -> Setting | None:
    """The setting stored at ``path``, if any section describes it."""
    return next((s for s in all_settings() if s.path == path), None)


def current_values(policy: dict[str, Any]) -> dict[str, Any]:
    """Every setting's value in ``policy`` (defaults filled in), by path."""
    return {s.path: s.value(policy or {}) for s in all_settings()}


def form_values(policy: dict[str, Any]) -> dict[str, Any]:
    """Every setting as the form's inputs hold it, by field name."""
    return {s.name: s.form_value(s.value(policy or {})) for s in all_settings()}


def schema() -> Schema:
    """One schema over every setting: the form's inputs in, the stored values (by path) out."""
    return Schema.from_dict({s.path.replace(".", "__"): s.field() for s in all_settings()},
                            name="PolicySchema")()


def by_path(loaded: dict[str, Any]) -> dict[str, Any]:
    """A loaded schema's values keyed by the settings' paths."""
    names = {s.name: s.path for s in all_settings()}
    return {names[key]: value for key, value in loaded.items() if key in names}


def with_values(policy: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``policy`` with each path in ``values`` set (the nested objects made as needed)."""
    result = copy.deepcopy(policy or {})
    for path, value in values.items():
        node = result
        *parents, leaf = path.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
    return result


def changed(policy: dict[str, Any], values: dict[str, Any]) -> list[tuple[Setting, Any, Any]]:
    """The settings whose value in ``values`` differs from ``policy``'s: (setting, old, new)."""
    out = []
    for setting in all_settings():
        if setting.path in values:
            old, new = setting.value(policy or {}), values[setting.path]
            if old != new:
                out.append((setting, old, new))
    return out


def paths(settings: Iterable[Setting]) -> set[str]:
    """The paths of ``settings``."""
    return {s.path for s in settings}
