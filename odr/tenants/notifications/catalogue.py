"""The standard e-mails: their placeholders, sample values for previews, and default wording.

A template may hold only text and the listed placeholders (``{{ case_reference }}``); anything
else is refused when it is saved, and rendering happens in Jinja's sandbox as well, so a template
the tenant admin writes can show values but cannot run code or reach anything else.

The standard wording is translatable: a language without the tenant's own wording gets the
standard wording in that language.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Standard:
    """One standard e-mail: what it is for, its placeholders, its default wording and who gets it when."""

    key: str
    title: object
    placeholders: dict[str, object]
    samples: dict[str, str]
    subject: object
    body: object
    sent: object = ""


COMMON = {
    "recipient_name": _l("the recipient's name"),
    "tenant_name": _l("your organisation's name"),
    "case_reference": _l("the case reference, e.g. MED-2026-000042"),
    "link": _l("the link to the case"),
}
SAMPLES = {
    "recipient_name": "Alex Example",
    "tenant_name": "Harbour Mediation",
    "case_reference": "MED-2026-000042",
    "link": "https://odr.example/t/harbour/cases/…",
}

STANDARDS: dict[str, Standard] = {
    s.key: s
    for s in [
        Standard(
            "referral_received",
            _l("Referral received"),
            {**COMMON, "insurer_name": _l("the insurer's name")},
            {**SAMPLES, "insurer_name": "Northwind Insurance"},
            _l("We have received your complaint ({{ case_reference }})"),
            _l(
                "Dear {{ recipient_name }},\n\n{{ insurer_name }} has referred your complaint to {{ tenant_name }}, "
                "an independent dispute resolution service. Its reference is {{ case_reference }}.\n\n"
                "We will now check that we can take it on, and write to you again within a few days.\n\n"
                "{{ tenant_name }}"
            ),
            sent=_l("The customer, when an insurer refers their complaint."),
        ),
        Standard(
            "case_opened",
            _l("Case opened (the customer's invitation)"),
            {**COMMON, "mediator_name": _l("the mediator's name, if assigned")},
            {**SAMPLES, "mediator_name": "Mira Mediator"},
            _l("Your case {{ case_reference }} is open"),
            _l(
                "Dear {{ recipient_name }},\n\n{{ tenant_name }} has accepted your complaint for mediation "
                "({{ case_reference }}). Please open this link to join your private case room; you will not "
                "need a password:\n\n{{ link }}\n\nThe link works once. Later, ask for a sign-in link on the "
                "same page.\n\n{{ tenant_name }}"
            ),
            sent=_l("The customer, when their case is accepted; it carries their invitation link."),
        ),
        Standard(
            "deadline_reminder",
            _l("Deadline reminder"),
            {**COMMON, "what": _l("what is expected"), "due": _l("when it is due")},
            {**SAMPLES, "what": "your reply to the mediator", "due": "Friday 13 March 2026"},
            _l("Reminder: {{ case_reference }} needs you by {{ due }}"),
            _l(
                "Dear {{ recipient_name }},\n\nIn case {{ case_reference }}, we are waiting for {{ what }} by "
                "{{ due }}.\n\n{{ link }}\n\nIf you cannot make it, tell us in the case room and we will find "
                "a way.\n\n{{ tenant_name }}"
            ),
            sent=_l(
                "Whoever must act, with the last reminder before a deadline "
                "(earlier reminders appear in the app only)."
            ),
        ),
        Standard(
            "escalation",
            _l("Escalation"),
            {**COMMON, "reason": _l("why the case was escalated"), "tier": _l("the new tier")},
            {**SAMPLES, "reason": "the deadline for mediation passed", "tier": "3: senior review"},
            _l("Case {{ case_reference }} has been escalated"),
            _l(
                "Dear {{ recipient_name }},\n\nCase {{ case_reference }} has moved to tier {{ tier }} because "
                "{{ reason }}.\n\n{{ link }}\n\n{{ tenant_name }}"
            ),
            sent=_l("The case manager and both parties, when a case moves up a tier or is flagged."),
        ),
        Standard(
            "clock_changed",
            _l("Time limit changed"),
            {**COMMON, "change": _l("what changed: paused, running again or extended, and why"),
             "due": _l("the new date by which the outcome is due (empty while paused)")},
            {**SAMPLES, "change": "it is extended by 30 days for a complex dispute (expert report needed); "
                                  "the outcome is now due by 2026-06-30", "due": "2026-06-30"},
            _l("The time limit of case {{ case_reference }} has changed"),
            _l(
                "Dear {{ recipient_name }},\n\nThe time limit for an outcome in case {{ case_reference }} has "
                "changed: {{ change }}.\n\n{{ link }}\n\n{{ tenant_name }}"
            ),
            sent=_l("Both parties, when the time limit is paused, runs again or is extended."),
        ),
        Standard(
            "rejection",
            _l("Rejection"),
            {**COMMON, "reason": _l("why the case was not accepted")},
            {**SAMPLES, "reason": "the complaint was referred more than six months after the final response"},
            _l("We cannot take on case {{ case_reference }}"),
            _l(
                "Dear {{ recipient_name }},\n\nWe are sorry: {{ tenant_name }} cannot take on case "
                "{{ case_reference }}, because {{ reason }}.\n\nYou keep every other right you have, including "
                "going to court.\n\n{{ tenant_name }}"
            ),
            sent=_l("The customer, when a referral is not accepted and they have no account to see it in."),
        ),
        Standard(
            "room_unread",
            _l("Unread messages in a case room"),
            {**COMMON, "summary": _l("a line per case: its reference, how many messages wait, and its link")},
            {**SAMPLES, "summary": "MED-2026-000042: 2 new messages\nhttps://odr.example/t/harbour/cases/…/room"},
            _l("New messages are waiting for you"),
            _l(
                "Dear {{ recipient_name }},\n\nThere are messages for you that you have not read yet:\n\n"
                "{{ summary }}\n\nTo keep your case private, we do not copy messages into e-mails. Open the link "
                "to read them.\n\n{{ tenant_name }}"
            ),
            sent=_l("Anyone in a case room who has unread messages and has been away for a while; once per message."),
        ),
        Standard(
            "agreement_to_sign",
            _l("Settlement agreement to sign"),
            {**COMMON, "why": _l("why it is sent: the first time, or again after its text changed")},
            {**SAMPLES, "why": "Your mediator has sent you the settlement agreement you reached."},
            _l("Please sign the settlement agreement of case {{ case_reference }}"),
            _l(
                "Dear {{ recipient_name }},\n\n{{ why }}\n\nPlease read it and sign it in the case room:\n\n"
                "{{ link }}\n\nIt takes effect when everyone has signed. If anything in it is not what you agreed, "
                "tell your mediator in the room before you sign.\n\n{{ tenant_name }}"
            ),
            sent=_l("Everyone who signs, when the mediator sends the agreement, and again when its text changes."),
        ),
        Standard(
            "signing_code",
            _l("Code to sign an agreement"),
            {**COMMON, "code": _l("the six-digit code"), "minutes": _l("how many minutes it works")},
            {**SAMPLES, "code": "482 913", "minutes": "10"},
            _l("Your code to sign the agreement of case {{ case_reference }}"),
            _l(
                "Dear {{ recipient_name }},\n\nYour code to sign the settlement agreement of case "
                "{{ case_reference }} is:\n\n{{ code }}\n\nIt works once, for {{ minutes }} minutes. If you did "
                "not ask for it, you can ignore this e-mail: nobody can sign for you without it.\n\n{{ tenant_name }}"
            ),
            sent=_l("A customer who asks for a code to sign the settlement agreement."),
        ),
    ]
}
