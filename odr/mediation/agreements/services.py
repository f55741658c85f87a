"""Use cases of the settlement agreement: draft it when the parties agree, let the mediator change
and send it, take each signature with a fresh proof of identity, and seal it when the last is in.

Sending fixes the text and records its SHA-256; a signature is of that hash and is refused when the
text the signer saw is not the text now out for signature. Changing the text after sending starts
a new round: every signature of the last one is void, and everyone is told. Signing takes a row
lock on the agreement first (a conditional update), so two last signatures at once seal it once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odr.mediation.agreements import kinds, sealing, tenant_template, wording
from odr.mediation.agreements.models import (
    Agreement,
    AgreementStatus,
    ElectronicConsent,
    Signature,
    SigningCode,
)
from odr.mediation.agreements.policy import DEFAULT_MEDIATOR_SIGNS, DEFAULT_PAYMENT_DAYS, setting
from odr.mediation.core.access import side_of
from odr.mediation.core.events import JOINT, CaseEvent, append_event
from odr.mediation.core.labels import TERM_KINDS
from odr.mediation.core.lifecycle import move
from odr.mediation.core.models import Case
from odr.mediation.core.parties import case_link, case_path, party_users
from odr.mediation.core.states import CaseState
from odr.mediation.documents.models import Document, DocumentStatus
from odr.mediation.documents.services import announce, delete_quietly
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, NotFound, ValidationFailed
from odr.platform.i18n import _m, day, money, number
from odr.platform.permissions import require
from odr.storage import Storage
from odr.storage.keys import document_key
from odr.tenants.models import Role, Tenant, User
from odr.tenants.notifications.services import notify, send_templated
from odr.tenants.passwords import verify_password

CONSENT_VERSION = "2026-12"
CODE_MINUTES = 10
CODE_TRIES = 5
CODE_GAP_SECONDS = 60  # a new code at most once a minute
ROLES = ("customer", "insurer", "mediator")


def _tenant(session: Session, case: Case) -> Tenant:
    tenant = session.get(Tenant, case.tenant_id)
    assert tenant is not None
    return tenant


def agreement_of(session: Session, case: Case) -> Agreement | None:
    """The agreement of ``case``, if one was drafted."""
    return session.scalar(select(Agreement).where(Agreement.case_id == case.id))


def required_roles(session: Session, agreement: Agreement) -> tuple[str, ...]:
    """Who signs: both parties, and the mediator when the tenant's policy says so."""
    tenant = _tenant(session, agreement.case)
    mediator = bool(setting(tenant.policy, "mediator_signs", DEFAULT_MEDIATOR_SIGNS))
    return ROLES if mediator else ROLES[:2]


def signer_role(user: Any, case: Case) -> str | None:
    """The role ``user`` signs as in ``case`` (customer, insurer, mediator), if any."""
    side = side_of(user, case)
    if side is not None:
        return side.value
    if Role(user.role) is Role.MEDIATOR and case.mediator_id == user.id:
        return "mediator"
    return None


def current_signatures(agreement: Agreement) -> dict[str, Signature]:
    """The signatures of the agreement's current round, by role."""
    return {s.role: s for s in agreement.signatures if s.round == agreement.round and s.voided_at is None}


def text_hash(text: str) -> str:
    """The SHA-256 of a text as signed: UTF-8, with ``\\n`` line ends."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode()).hexdigest()


# Drafting ------------------------------------------------------------------------------------------


def _terms_text(terms: list[dict[str, Any]]) -> str:
    lines = []
    for term in terms:
        label = str(TERM_KINDS.get(term.get("kind", ""), term.get("kind", "")))
        text = (term.get("text") or "").strip()
        lines.append(f"- {label}: {text}" if text and term.get("kind") != "other" else f"- {text or label}")
    return "\n".join(lines)


def placeholder_values(session: Session, agreement: Agreement) -> dict[str, str]:
    """The values the template is filled with, in the agreement's language."""
    case = agreement.case
    tenant = _tenant(session, case)
    reps = [r for r in case.representatives if r.removed_at is None]
    with force_locale(agreement.locale):
        represented = "".join(
            str(_l(", %(party)s represented by %(name)s", name=r.full_name,
                   party=_l("the customer") if r.side.value == "customer" else _l("the insurer")))
            for r in reps)
        return {
            "tenant_name": tenant.name, "case_reference": case.reference, "customer_name": case.customer_name,
            "insurer_name": case.organisation.name, "representatives": represented,
            "mediator_name": case.mediator.full_name if case.mediator else "",
            "amount": money(agreement.amount_minor, agreement.currency), "terms": _terms_text(agreement.terms),
            "payment_days": str(agreement.payment_days) if agreement.amount_minor else "0",
            "payment_method": agreement.payment_method, "agreement_date": day(agreement.created_at),
        }


def _fill(session: Session, agreement: Agreement) -> str:
    tenant = _tenant(session, agreement.case)
    source = tenant_template.template_source(session, tenant, agreement.locale)
    return wording.fill(source, placeholder_values(session, agreement))


def draft_on_settlement(session: Session, *, case: Case, actor: User | None, amount_minor: int, currency: str,
                        terms: list[dict[str, Any]], source: str, source_id: str | None = None) -> Agreement:
    """The kernel's ``settlement_reached``: draft the agreement from the tenant's template.

    A case has one agreement; a second settlement of the same case is refused (the first one stands).
    """
    if agreement_of(session, case) is not None:
        raise Conflict(str(_l("This case already has a settlement agreement.")))
    tenant = _tenant(session, case)
    now = utcnow()
    agreement = Agreement(
        tenant_id=case.tenant_id, case_id=case.id, case=case, status=AgreementStatus.DRAFT, source=source,
        source_id=source_id, amount_minor=amount_minor, currency=currency, terms=list(terms),
        payment_days=int(setting(tenant.policy, "payment_days", DEFAULT_PAYMENT_DAYS)), payment_method="",
        locale=case.customer_language if case.customer_language in ("en", "de") else "en", text="", round=1,
        created_at=now)
    agreement.text = _fill(session, agreement)
    session.add(agreement)
    session.flush()
    append_event(session, case, kinds.DRAFTED, actor=actor, channel=JOINT,
                 payload={"agreement": str(agreement.public_id), "amount_minor": amount_minor, "currency": currency,
                          "source": source})
    if case.mediator is not None:
        notify(session, tenant, [case.mediator], kind=kinds.DRAFTED,
               title=_m("Case %(ref)s settled: review the agreement and send it to sign", ref=case.reference),
               link=case_path(tenant, case) + "/agreement")
    return agreement


def on_settlement(session: Session, **values: Any) -> None:
    """The receiver of ``signals.settlement_reached``."""
    draft_on_settlement(session, **values)


def _editable(actor: User, agreement: Agreement) -> None:
    require(actor, "agreements.prepare", agreement.case)
    if agreement.status is AgreementStatus.SEALED:
        raise Conflict(str(_l("The agreement is signed by everyone and sealed; it cannot change.")))
    if agreement.status is AgreementStatus.SENT:
        raise Conflict(str(_l("The agreement is out for signature. Choose “Change the text” first; that "
                              "voids the signatures given so far.")))


def save_details(session: Session, actor: User, agreement: Agreement, values: dict[str, Any]) -> Agreement:
    """Set how and by when the insurer pays, and write the text again from the template."""
    _editable(actor, agreement)
    agreement.payment_method = values["payment_method"].strip()
    agreement.payment_days = values["payment_days"]
    agreement.text = _fill(session, agreement)
    session.flush()
    return agreement


def save_text(session: Session, actor: User, agreement: Agreement, text: str) -> Agreement:
    """The mediator's own changes to the draft's text."""
    _editable(actor, agreement)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed.on_fields({"text": [str(_l("The agreement needs a text."))]})
    if len(text) > wording.TEXT_MAX:
        too_long = _l("Use at most %(n)s characters.", n=number(wording.TEXT_MAX))
        raise ValidationFailed.on_fields({"text": [str(too_long)]})
    agreement.text = text + "\n"
    session.flush()
    return agreement


def _signers(session: Session, agreement: Agreement) -> list[User]:
    case = agreement.case
    people = party_users(session, case, "customer") + party_users(session, case, "insurer")
    if "mediator" in required_roles(session, agreement) and case.mediator is not None:
        people.append(case.mediator)
    return list({p.id: p for p in people}.values())


def _tell_signers(session: Session, agreement: Agreement, title: Any, why: Any) -> None:
    case = agreement.case
    tenant = _tenant(session, case)
    values = {"case_reference": case.reference, "why": why, "link": case_link(tenant, case) + "/agreement"}
    notify(session, tenant, _signers(session, agreement), kind=kinds.SENT, title=title,
           link=case_path(tenant, case) + "/agreement", email_key="agreement_to_sign", email_values=values)
    if case.customer is None:
        send_templated(session, tenant, case.customer_email, case.customer_name, case.customer_language,
                       "agreement_to_sign", values)


def send(session: Session, actor: User, agreement: Agreement, now: datetime | None = None) -> Agreement:
    """Fix the draft's text, record its hash and ask everyone to sign."""
    _editable(actor, agreement)
    if agreement.case.state is not CaseState.OPEN:
        raise Conflict(str(_l("Only an agreement of a case in mediation can be sent.")))
    empty = wording.unfilled(agreement.text)
    if empty:
        names = ", ".join(str(wording.PLACEHOLDERS.get(name, name)) for name in empty)
        raise ValidationFailed.on_fields({"text": [str(_l(
            "Fill in what is still empty before sending: %(names)s. It shows as ⟦…⟧ in the text.", names=names))]})
    now = now or utcnow()
    agreement.status, agreement.sent_at, agreement.sent_by_id = AgreementStatus.SENT, now, actor.id
    agreement.text_sha256 = text_hash(agreement.text)
    session.flush()
    append_event(session, agreement.case, kinds.SENT, actor=actor, channel=JOINT,
                 payload={"agreement": str(agreement.public_id), "round": agreement.round,
                          "text_sha256": agreement.text_sha256})
    _tell_signers(session, agreement,
                  _m("Please sign the settlement agreement of case %(ref)s", ref=agreement.case.reference),
                  _m("Your mediator has sent you the settlement agreement you reached."))
    return agreement


def reopen(session: Session, actor: User, agreement: Agreement, now: datetime | None = None) -> Agreement:
    """Take a sent agreement back to change its text: a new round, every signature so far void."""
    require(actor, "agreements.prepare", agreement.case)
    if agreement.status is not AgreementStatus.SENT:
        raise Conflict(str(_l("Only an agreement out for signature can be taken back to change.")))
    now = now or utcnow()
    voided = 0
    for signature in current_signatures(agreement).values():
        signature.voided_at = now
        voided += 1
    agreement.status, agreement.round, agreement.text_sha256 = AgreementStatus.DRAFT, agreement.round + 1, None
    session.flush()
    append_event(session, agreement.case, kinds.REOPENED, actor=actor, channel=JOINT,
                 payload={"agreement": str(agreement.public_id), "round": agreement.round, "voided": voided})
    if voided:
        case = agreement.case
        tenant = _tenant(session, case)
        notify(session, tenant, _signers(session, agreement), kind=kinds.REOPENED,
               title=_m("The agreement of case %(ref)s is being changed: your signature no longer counts",
                        ref=case.reference),
               body=_m("You will be asked to sign the new text."), link=case_path(tenant, case) + "/agreement")
    return agreement


# Consent and proof of identity ------------------------------------------------------------------


def has_consented(session: Session, user: User) -> bool:
    """``user`` agreed to the current version of the consent to electronic records."""
    return session.scalar(select(ElectronicConsent.id).where(
        ElectronicConsent.user_id == user.id, ElectronicConsent.version == CONSENT_VERSION)) is not None


def proof_method(user: User) -> str:
    """How ``user`` proves who they are when signing: customers by an e-mailed code, others by password."""
    return "email_code" if Role(user.role) is Role.CUSTOMER else "password"


def _code_hash(secret: str, agreement: Agreement, user: User, code: str) -> str:
    message = f"{agreement.public_id}:{user.id}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def send_code(session: Session, actor: User, agreement: Agreement, *, secret: str,
              now: datetime | None = None) -> None:
    """E-mail ``actor`` a six-digit code to sign with; an earlier unused code stops working."""
    case = agreement.case
    require(actor, "agreements.sign", case)
    if agreement.status is not AgreementStatus.SENT or signer_role(actor, case) is None:
        raise Conflict(str(_l("There is nothing for you to sign at the moment.")))
    if proof_method(actor) != "email_code":
        raise Conflict(str(_l("You sign with your password; no code is needed.")))
    now = now or utcnow()
    latest = session.scalar(select(SigningCode).where(SigningCode.user_id == actor.id,
                                                      SigningCode.agreement_id == agreement.id)
                            .order_by(SigningCode.created_at.desc()).limit(1))
    if latest is not None and latest.used_at is None and latest.created_at > now - timedelta(seconds=CODE_GAP_SECONDS):
        raise Conflict(str(_l("We sent you a code less than a minute ago. Look for it in your e-mail, or ask "
                              "again in a minute.")))
    session.execute(update(SigningCode).where(SigningCode.user_id == actor.id, SigningCode.agreement_id == agreement.id,
                                              SigningCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(SigningCode(tenant_id=case.tenant_id, agreement_id=agreement.id, user_id=actor.id,
                            code_hash=_code_hash(secret, agreement, actor, code), tries=0,
                            expires_at=now + timedelta(minutes=CODE_MINUTES), created_at=now))
    session.flush()
    tenant = _tenant(session, case)
    send_templated(session, tenant, actor.email, actor.full_name, actor.locale or case.customer_language,
                   "signing_code", {"case_reference": case.reference, "code": f"{code[:3]} {code[3:]}",
                                    "minutes": str(CODE_MINUTES), "link": case_link(tenant, case) + "/agreement"})


def prove(session: Session, actor: User, agreement: Agreement, values: dict[str, Any], *, secret: str,
          now: datetime | None = None) -> str | None:
    """Check the signer's fresh proof of identity; None when it holds, else what is wrong.

    A code try is spent whether it is right or not (the caller commits it either way): five wrong
    tries and the code stops working; a right one works once.
    """
    now = now or utcnow()
    if proof_method(actor) == "password":
        if not verify_password(actor.password_hash, values.get("password") or ""):
            return str(_l("That password is not right."))
        return None
    typed = "".join(ch for ch in (values.get("code") or "") if ch.isdigit())
    code = session.scalar(select(SigningCode).where(SigningCode.user_id == actor.id,
                                                    SigningCode.agreement_id == agreement.id,
                                                    SigningCode.used_at.is_(None))
                          .order_by(SigningCode.created_at.desc()).limit(1))
    if code is None:
        return str(_l("Ask for a code first: we send it to your e-mail address."))
    if code.expires_at <= now:
        code.used_at = now
        session.flush()
        return str(_l("That code has expired. Ask for a new one."))
    code.tries += 1
    if hmac.compare_digest(code.code_hash, _code_hash(secret, agreement, actor, typed)):
        code.used_at = now
        session.flush()
        return None
    if code.tries >= CODE_TRIES:
        code.used_at = now
        session.flush()
        return str(_l("That code is not right, and it has been tried too often. Ask for a new one."))
    session.flush()
    return str(_l("That code is not right. Check the e-mail and type the six digits again."))


# Signing ------------------------------------------------------------------------------------------


def _same_name(typed: str, name: str) -> bool:
    return " ".join(typed.split()).casefold() == " ".join(name.split()).casefold()


def signing_role(session: Session, actor: User, agreement: Agreement) -> str:
    """The role ``actor`` signs ``agreement`` as, if it is out for their signature; else why not."""
    case = agreement.case
    require(actor, "agreements.sign", case)
    role = signer_role(actor, case)
    if role is None or role not in required_roles(session, agreement):
        raise Forbidden(str(_l("You do not sign this agreement.")))
    if agreement.status is AgreementStatus.SEALED:
        raise Conflict(str(_l("The agreement is already signed by everyone and sealed.")))
    if agreement.status is not AgreementStatus.SENT:
        raise Conflict(str(_l("The agreement is being changed by the mediator. You will be asked to sign the "
                              "new text.")))
    return role


def check_signable(session: Session, actor: User, agreement: Agreement, values: dict[str, Any]) -> str:
    """Everything a signature needs but the proof of identity; the role ``actor`` signs as.

    Writes nothing, so a refusal here spends no code.
    """
    role = signing_role(session, actor, agreement)
    if values.get("text_sha256") != agreement.text_sha256:
        raise Conflict(str(_l("The agreement changed since you opened it. Read the new text before you sign.")))
    if role in current_signatures(agreement):
        raise Conflict(str(_l("Your side has signed this agreement already.")))
    problems: dict[str, list[str]] = {}
    if not _same_name(values.get("full_name") or "", actor.full_name):
        problems["full_name"] = [str(_l("Type your full name as we have it: %(name)s.", name=actor.full_name))]
    if not values.get("agree"):
        problems["agree"] = [str(_l("Tick the box to say you agree to be bound by this agreement."))]
    if not has_consented(session, actor) and not values.get("consent"):
        problems["consent"] = [str(_l("Tick the box to agree to sign and receive records electronically, or ask "
                                      "your mediator for paper."))]
    if problems:
        raise ValidationFailed.on_fields(problems)
    return role


def record_digest(agreement: Agreement, signature: Signature) -> str:
    """The SHA-256 of a signature's record: what the audit chain holds of it."""
    body = {"agreement": str(agreement.public_id), "round": signature.round, "role": signature.role,
            "full_name": signature.full_name, "method": signature.method,
            "signed_at": signature.signed_at.isoformat(), "ip": signature.ip_address or "",
            "user_agent": signature.user_agent or "", "text_sha256": signature.text_sha256}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Sealing:
    """What sealing needs from outside: the store, the platform's settings."""

    storage: Storage
    settings: Any


def sign(session: Session, actor: User, agreement: Agreement, values: dict[str, Any], *, ip: str | None,
         user_agent: str | None, sealing_with: Sealing, now: datetime | None = None) -> Signature:
    """Record ``actor``'s signature of the text they saw (its hash), after ``prove``; seal after the last."""
    won = session.execute(update(Agreement).where(Agreement.id == agreement.id,
                                                  Agreement.status == AgreementStatus.SENT,
                                                  Agreement.text_sha256 == values.get("text_sha256"))
                          .values(round=Agreement.round).execution_options(synchronize_session=False)).rowcount
    session.refresh(agreement)  # the row is ours now: read what others committed before us
    if won != 1:
        check_signable(session, actor, agreement, values)  # says why
        raise Conflict(str(_l("The agreement changed since you opened it. Read the new text before you sign.")))
    role = check_signable(session, actor, agreement, values)
    now = now or utcnow()
    case = agreement.case
    if not has_consented(session, actor):
        session.add(ElectronicConsent(tenant_id=case.tenant_id, user_id=actor.id, version=CONSENT_VERSION,
                                      given_at=now, ip_address=ip))
        append_event(session, case, kinds.CONSENTED, actor=actor, channel=JOINT,
                     payload={"name": actor.full_name, "version": CONSENT_VERSION})
    signature = Signature(tenant_id=case.tenant_id, agreement_id=agreement.id, agreement=agreement,
                          round=agreement.round, role=role, user_id=actor.id,
                          full_name=" ".join(values["full_name"].split()), method=proof_method(actor),
                          signed_at=now, ip_address=(ip or "")[:45] or None,
                          user_agent=(user_agent or "")[:300] or None, text_sha256=agreement.text_sha256 or "")
    session.add(signature)
    session.flush()
    event = append_event(session, case, kinds.SIGNED, actor=actor, channel=JOINT,
                         payload={"agreement": str(agreement.public_id), "signature": str(signature.public_id),
                                  "round": signature.round, "role": role, "full_name": signature.full_name,
                                  "method": signature.method, "signed_at": now.isoformat(),
                                  "text_sha256": signature.text_sha256,
                                  "record_sha256": record_digest(agreement, signature)})
    signature.event_seq = event.seq
    session.flush()
    signed = current_signatures(agreement)
    if all(r in signed for r in required_roles(session, agreement)):
        seal_agreement(session, actor, agreement, sealing_with, now)
    return signature


def _pdf_html(session: Session, agreement: Agreement) -> str:
    with force_locale(agreement.locale):
        return render_template("agreements/pdf.html", agreement=agreement, case=agreement.case,
                               tenant=_tenant(session, agreement.case), blocks=wording.blocks(agreement.text),
                               signatures=[s for r in ROLES if (s := current_signatures(agreement).get(r))],
                               method_words={"password": _l("password of their account"),
                                             "email_code": _l("one-time code sent to their e-mail address")})


def seal_agreement(session: Session, actor: User | None, agreement: Agreement, sealing_with: Sealing,
                   now: datetime) -> Document:
    """Freeze the agreement, render and seal its PDF, store it as a document, and settle the case."""
    case = agreement.case
    tenant = _tenant(session, case)
    agreement.status, agreement.sealed_at = AgreementStatus.SEALED, now
    agreement.chain_seq = case.last_seq
    agreement.chain_hash = session.scalar(select(CaseEvent.hash).where(CaseEvent.case_id == case.id,
                                                                       CaseEvent.seq == case.last_seq))
    key = sealing.seal_key(sealing_with.settings, tenant.id, tenant.name)
    with force_locale(agreement.locale):
        pdf = sealing.seal(sealing.render_pdf(_pdf_html(session, agreement)), key,
                           reason=str(_l("Settlement agreement signed by every party")),
                           location=tenant.name, name=tenant.name)
    digest = hashlib.sha256(pdf).hexdigest()
    chain_id, version_id = uuid.uuid4(), uuid.uuid4()
    storage_key = document_key(tenant.public_id, case.public_id, chain_id, version_id)
    with force_locale(agreement.locale):
        file_name = str(_l("Settlement agreement %(ref)s.pdf", ref=case.reference))
    sealing_with.storage.put(storage_key, BytesIO(pdf), content_type="application/pdf", sha256=lambda: digest)
    try:
        document = Document(public_id=version_id, tenant_id=case.tenant_id, case_id=case.id, channel=JOINT,
                            uploaded_by_id=None, uploader_label=tenant.name, file_name=file_name,
                            content_type="application/pdf", size=len(pdf), sha256=digest, chain_id=chain_id,
                            version=1, status=DocumentStatus.AVAILABLE, storage_key=storage_key, available_at=now)
        session.add(document)
        session.flush()
        agreement.document_id, agreement.pdf_sha256 = document.id, digest
        announce(session, None, case, document, label=tenant.name)
        append_event(session, case, kinds.SEALED, actor=None, label=tenant.name, channel=JOINT,
                     payload={"agreement": str(agreement.public_id), "document": str(document.public_id),
                              "pdf_sha256": digest, "text_sha256": agreement.text_sha256,
                              "chain_seq": agreement.chain_seq})
        move(session, case, CaseState.SETTLED, actor=actor, reason="settlement agreement signed and sealed")
    except Exception:
        delete_quietly(sealing_with.storage, storage_key)  # no orphaned file
        raise
    notify(session, tenant, _signers(session, agreement), kind=kinds.SEALED,
           title=_m("The settlement agreement of case %(ref)s is signed by everyone", ref=case.reference),
           body=_m("The signed PDF is in the case's documents."), link=case_path(tenant, case) + "/agreement")
    return document


def agreement_for(session: Session, actor: User, case: Case) -> Agreement:
    """The agreement of ``case`` if ``actor`` may see it; else not found."""
    require(actor, "agreements.view", case)
    agreement = agreement_of(session, case)
    if agreement is None:
        raise NotFound(str(_l("This case has no settlement agreement yet.")))
    return agreement
