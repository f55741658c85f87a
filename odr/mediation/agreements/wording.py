# ruff: noqa: E501 - the standard wording keeps one paragraph per line, as the template is edited
"""The agreement's wording: the standard template, its placeholders, and filling it in.

A template is text with ``{{ placeholder }}``s and nothing else, checked and rendered in Jinja's
sandbox as the e-mail templates are. A line starting with ``## `` is a heading; a blank line
separates paragraphs; a line starting with ``- `` is an item of a list. A placeholder left empty
is written as ``⟦its name⟧``, which the mediator sees in the draft, and an agreement holding one
cannot be sent.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from odr.tenants.notifications.catalogue import Standard
from odr.tenants.notifications.services import render_text, template_problems

PLACEHOLDERS: dict[str, Any] = {
    "tenant_name": _l("your organisation's name"),
    "case_reference": _l("the case reference"),
    "customer_name": _l("the customer's full name"),
    "insurer_name": _l("the insurer's name"),
    "representatives": _l("who represents a party, if anyone (“, represented by …”)"),
    "mediator_name": _l("the mediator's full name"),
    "amount": _l("the amount agreed, with its currency"),
    "terms": _l("the terms beyond money, one per line"),
    "payment_days": _l("the days the insurer has to pay"),
    "payment_method": _l("how the insurer pays (bank transfer to the account the customer gives…)"),
    "agreement_date": _l("the date the agreement was drafted"),
}
TEXT_MAX = 50_000  # characters of an agreement's text, or of a tenant's template
OPTIONAL = frozenset({"representatives", "terms"})  # may be empty; any other empty one blocks sending

SAMPLES = {
    "tenant_name": "Harbour Mediation", "case_reference": "MED-2026-000042", "customer_name": "Alex Example",
    "insurer_name": "Northwind Insurance", "representatives": "", "mediator_name": "Maria Mediator",
    "amount": "£3,000.00", "terms": "- An apology: a written apology for the delay", "payment_days": "14",
    "payment_method": "bank transfer", "agreement_date": "7 Dec 2026",
}

STANDARD_BODY = _l("""## Settlement agreement

Case {{ case_reference }}, mediated by {{ tenant_name }} on {{ agreement_date }}.

Between {{ customer_name }} (the customer) and {{ insurer_name }} (the insurer){{ representatives }}.

## 1. What the parties agree

The insurer pays the customer {{ amount }} within {{ payment_days }} days of the day the last party signs this agreement, by {{ payment_method }}.

{{ terms }}

## 2. Full and final settlement

This agreement is a full and final settlement of the complaint of case {{ case_reference }}. Once the insurer has done what it agrees to here, neither party brings a further claim about the same matter.

## 3. Confidentiality

The parties keep the terms of this agreement confidential, except where the law requires otherwise or to take professional advice.

## 4. Signing

Each party signs this agreement electronically, and it takes effect when the last party has signed. The mediator, {{ mediator_name }}, does not decide the dispute and is not a party to this agreement.""")

STANDARD = Standard("settlement_agreement", _l("Settlement agreement"), PLACEHOLDERS, SAMPLES, "", STANDARD_BODY)

_MARKER = re.compile(r"⟦([^⟧]+)⟧")


def standard_body(locale: str) -> str:
    """The standard wording in ``locale``."""
    with force_locale(locale):
        return str(STANDARD_BODY)


def problems(source: str) -> list[str]:
    """What makes a template unusable (anything but text and the listed placeholders)."""
    return template_problems(source, STANDARD)


def fill(source: str, values: dict[str, str]) -> str:
    """The template filled in; an empty required placeholder becomes ``⟦its name⟧``."""
    context = {}
    for name in PLACEHOLDERS:
        value = (values.get(name) or "").strip()
        context[name] = value if value or name in OPTIONAL else f"⟦{name}⟧"
    text = render_text(source, context)  # Jinja writes every line end of the source as "\n"
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def unfilled(text: str) -> list[str]:
    """The placeholders still empty in ``text`` (``⟦payment_method⟧``...), each once."""
    return list(dict.fromkeys(_MARKER.findall(text)))


def blocks(text: str) -> list[tuple[str, Any]]:
    """``text`` as ("heading", str), ("paragraph", str) and ("list", [str]) blocks, for the page and the PDF."""
    out: list[tuple[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith("## "):
            out.append(("heading", lines[0][3:].strip()))
        elif all(line.lstrip().startswith("- ") for line in lines):
            out.append(("list", [line.lstrip()[2:].strip() for line in lines]))
        else:
            if lines[0].startswith("## "):
                out.append(("heading", lines[0][3:].strip()))
                lines = lines[1:]
            out.append(("paragraph", "\n".join(lines)))
    return out
