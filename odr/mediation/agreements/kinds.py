"""The event kinds of the settlement agreement, all in the joint channel.

A signature's event carries the SHA-256 of its record (name, time, method, address, browser, the
text's hash), not the address itself, so the audit chain vouches for the record without telling
the other side where a person signed from.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from odr.mediation.core.channels import JOINT
from odr.mediation.core.kinds import EventKinds
from odr.platform.i18n import money

KINDS = EventKinds()


def _figure(p: dict[str, Any]) -> str:
    return money(int(p.get("amount_minor") or 0), str(p.get("currency") or "EUR"))


DRAFTED = KINDS.declare(
    "agreement.drafted",
    lambda p, case: (_("A settlement agreement for %(amount)s is being drafted", amount=_figure(p)),
                     _("The mediator prepares it and sends it to you both to sign.")),
    channels=(JOINT,))
SENT = KINDS.declare(
    "agreement.sent",
    lambda p, case: (_("The settlement agreement was sent for signature"),
                     _("Fingerprint of its text (SHA-256): %(hash)s", hash=p.get("text_sha256", ""))),
    channels=(JOINT,))
REOPENED = KINDS.declare(
    "agreement.reopened",
    lambda p, case: (_("The agreement's text is being changed"),
                     _("Every signature given so far is void; the new text will be sent to sign again.")),
    channels=(JOINT,))
CONSENTED = KINDS.declare(
    "agreement.consented",
    lambda p, case: (_("%(name)s agreed to sign and receive records electronically", name=p.get("name", "")), ""),
    channels=(JOINT,), timeline=False)
SIGNED = KINDS.declare(
    "agreement.signed",
    lambda p, case: (_("%(name)s signed the settlement agreement", name=p.get("full_name", "")), ""),
    channels=(JOINT,))
SEALED = KINDS.declare(
    "agreement.sealed",
    lambda p, case: (_("The settlement agreement is signed by everyone and sealed"),
                     _("The signed PDF is in the documents. Fingerprint (SHA-256): %(hash)s",
                       hash=p.get("pdf_sha256", ""))),
    channels=(JOINT,))
