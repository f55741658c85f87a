"""The settlement agreement: drafted when an offer is accepted, prepared and sent by the mediator,
signed by each party (and the mediator) with a fresh proof of identity, sealed in a PDF whose seal
validates, and checked end to end by ``odr agreements verify``, which names each kind of tampering."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from odr.mediation.agreements import sealing, verification
from odr.mediation.agreements import services as agreements
from odr.mediation.agreements.models import Agreement, AgreementStatus, ElectronicConsent, Signature, SigningCode
from odr.mediation.agreements.views import sealing_with
from odr.mediation.core.events import CaseEvent
from odr.mediation.core.models import Case
from odr.mediation.core.states import CaseState
from odr.mediation.documents.models import Document
from odr.mediation.offers import services as offers
from odr.mediation.offers.schemas import OfferSchema
from odr.platform.db import utcnow
from odr.platform.errors import Conflict, Forbidden, ValidationFailed
from odr.platform.schemas import load
from odr.platform.tenancy import set_tenant
from tests import factories
from tests.conftest import PG_URL
from tests.mailbox import emails_to
from tests.mediation.case_helpers import open_case


@pytest.fixture
def world(app, session):
    tenant, people = factories.tenant_with_people(session)
    case = open_case(app, session, people)
    set_tenant(session, tenant.id)
    return tenant, people, case


def _settle(app, session, people, case, amount="3000", terms=None):
    """The insurer offers, the customer accepts: the agreement is drafted."""
    with app.test_request_context():
        offer = offers.make_offer(session, people["insurer_agent"], case,
                                  load(OfferSchema(), {"amount": amount, "currency": case.currency,
                                                       "terms": terms or []}))
        offers.respond(session, people["customer"], offer, "accept")
        session.commit()
    return agreements.agreement_of(session, case)


def _send(app, session, people, agreement, method="bank transfer"):
    with app.test_request_context():
        agreements.save_details(session, people["mediator"], agreement, {"payment_method": method,
                                                                         "payment_days": 14})
        agreements.send(session, people["mediator"], agreement)
        session.commit()
    return agreement


def _values(user, agreement, **extra):
    return {"full_name": user.full_name, "agree": True, "consent": True, "password": factories.PASSWORD,
            "code": "", "text_sha256": agreement.text_sha256, **extra}


def _code(session, user) -> str:
    mail = emails_to(session, user.email, "code")[-1]
    return re.search(r"\b(\d{3} \d{3})\b", mail.body_text).group(1)


def _sign(app, session, user, agreement, **extra):
    """Sign as ``user``: a password, or (a customer) the code e-mailed for it."""
    with app.test_request_context():
        if agreements.proof_method(user) == "email_code" and "code" not in extra:
            agreements.send_code(session, user, agreement, secret=app.config["ODR"].secret_key)
            session.commit()
            extra["code"] = _code(session, user)
        values = _values(user, agreement, **extra)
        agreements.check_signable(session, user, agreement, values)
        problem = agreements.prove(session, user, agreement, values, secret=app.config["ODR"].secret_key)
        session.commit()
        assert problem is None, problem
        signature = agreements.sign(session, user, agreement, values, ip="127.0.0.9", user_agent="test browser",
                                    sealing_with=sealing_with())
        session.commit()
    return signature


def _sealed(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case,
                                                    terms=[{"kind": "apology", "text": "for the delay"}]))
    for role in ("insurer_agent", "customer", "mediator"):
        _sign(app, session, people[role], agreement)
    return agreement


def _pdf(app, agreement) -> bytes:
    with app.app_context():
        document = agreement.case  # noqa: F841 - loaded
        storage = app.extensions["odr.storage"]
        from odr.platform.extensions import db

        doc = db.session.get(Document, agreement.document_id)
        with storage.open(doc.storage_key) as stream:
            return stream.read()


def _verify(app, session, case):
    with app.app_context():
        return verification.verify(session, case, sealing_with())


# Drafting and sending ---------------------------------------------------------------------------------


def test_accepting_an_offer_drafts_the_agreement_from_the_template(app, session, world):
    _tenant, people, case = world
    agreement = _settle(app, session, people, case, amount="3,000.50",
                        terms=[{"kind": "apology", "text": "for the delay"}, {"kind": "repair", "text": ""}])
    assert agreement.status is AgreementStatus.DRAFT and agreement.source == "offer"
    assert (agreement.amount_minor, agreement.currency, agreement.payment_days) == (300050, "GBP", 14)
    assert case.customer_name in agreement.text and case.reference in agreement.text
    assert "£3,000.50" in agreement.text
    assert "- An apology: for the delay" in agreement.text and "- A repair" in agreement.text
    assert "⟦payment_method⟧" in agreement.text  # still to fill in
    assert agreement.text_sha256 is None
    kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq)))
    assert kinds[-1] == "agreement.drafted"


def test_an_agreement_with_an_empty_placeholder_cannot_be_sent(app, session, world):
    _tenant, people, case = world
    agreement = _settle(app, session, people, case)
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        agreements.send(session, people["mediator"], agreement)
    assert "how the insurer pays" in refused.value.fields["text"][0]
    session.rollback()
    assert session.get(Agreement, agreement.id).status is AgreementStatus.DRAFT


def test_sending_fixes_the_text_and_records_its_hash(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    assert agreement.status is AgreementStatus.SENT
    assert agreement.text_sha256 == hashlib.sha256(agreement.text.encode()).hexdigest()
    assert "bank transfer" in agreement.text
    assert emails_to(session, people["insurer_agent"].email, "sign the settlement agreement")
    with app.test_request_context(), pytest.raises(Conflict):
        agreements.save_text(session, people["mediator"], agreement, "Another text")


def test_only_the_mediator_or_a_case_manager_prepares_it(app, session, world):
    _tenant, people, case = world
    agreement = _settle(app, session, people, case)
    for role in ("customer", "insurer_agent", "admin"):
        with app.test_request_context(), pytest.raises(Forbidden):
            agreements.save_text(session, people[role], agreement, "My own terms")
    session.rollback()
    assert "My own terms" not in session.get(Agreement, agreement.id).text


def test_a_case_has_one_agreement(app, session, world):
    _tenant, people, case = world
    _settle(app, session, people, case)
    with app.test_request_context(), pytest.raises(Conflict):
        agreements.draft_on_settlement(session, case=case, actor=None, amount_minor=1, currency="GBP", terms=[],
                                       source="offer")


# Signing ----------------------------------------------------------------------------------------------


def test_every_signature_seals_the_pdf_and_settles_the_case(app, session, world):
    _tenant, people, case = world
    agreement = _sealed(app, session, world)
    session.expire_all()
    agreement = session.get(Agreement, agreement.id)
    assert agreement.status is AgreementStatus.SEALED
    assert session.get(Case, case.id).state is CaseState.SETTLED
    signatures = {s.role: s for s in agreement.signatures}
    assert set(signatures) == {"customer", "insurer", "mediator"}
    assert signatures["customer"].method == "email_code" and signatures["insurer"].method == "password"
    assert signatures["customer"].ip_address == "127.0.0.9"
    assert {s.text_sha256 for s in signatures.values()} == {agreement.text_sha256}
    pdf = _pdf(app, agreement)
    assert hashlib.sha256(pdf).hexdigest() == agreement.pdf_sha256
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())
    assert case.customer_name in text and people["insurer_agent"].full_name in text
    assert agreement.text_sha256 in text
    assert "for the delay" in text
    with app.app_context():
        tenant = session.get(factories.Tenant, case.tenant_id)
        key = sealing.seal_key(app.config["ODR"], tenant.id, tenant.name)
    assert sealing.validate(pdf, key).ok
    assert _verify(app, session, case) == []
    kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq)))
    assert kinds.count("agreement.signed") == 3 and "agreement.sealed" in kinds
    assert kinds.index("agreement.sealed") < kinds.index("case.state_changed", kinds.index("agreement.sealed") - 3)


def test_a_signature_event_carries_the_record_hash_and_not_the_address(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    signature = _sign(app, session, people["insurer_agent"], agreement)
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "agreement.signed"))
    assert event.payload["record_sha256"] == agreements.record_digest(agreement, signature)
    assert "127.0.0.9" not in str(event.payload) and "test browser" not in str(event.payload)
    assert event.seq == signature.event_seq


def test_consent_is_recorded_once_with_its_version(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    _sign(app, session, people["insurer_agent"], agreement)
    consent = session.scalar(select(ElectronicConsent).where(ElectronicConsent.user_id == people["insurer_agent"].id))
    assert consent.version == agreements.CONSENT_VERSION and consent.ip_address == "127.0.0.9"


@pytest.mark.parametrize("change, field", [
    ({"full_name": "Someone Else"}, "full_name"),
    ({"agree": False}, "agree"),
    ({"consent": False}, "consent"),
])
def test_a_signature_missing_a_part_is_refused_by_field_and_writes_nothing(app, session, world, change, field):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    agent = people["insurer_agent"]
    with app.test_request_context(), pytest.raises(ValidationFailed) as refused:
        agreements.check_signable(session, agent, agreement, _values(agent, agreement, **change))
    assert set(refused.value.fields) == {field}


def test_the_name_is_compared_without_case_or_extra_spaces(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    agent = people["insurer_agent"]
    name = "  " + "  ".join(agent.full_name.upper().split()) + " "
    _sign(app, session, agent, agreement, full_name=name)


def test_a_wrong_password_is_refused_and_nothing_is_signed(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    agent = people["insurer_agent"]
    with app.test_request_context():
        problem = agreements.prove(session, agent, agreement, _values(agent, agreement, password="wrong"),
                                   secret="x")
    assert problem == "That password is not right."
    assert session.scalar(select(func.count()).select_from(Signature)) == 0


def test_signing_twice_or_for_a_side_that_signed_is_refused(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    _sign(app, session, people["insurer_agent"], agreement)
    with app.test_request_context(), pytest.raises(Conflict, match="signed this agreement already"):
        agreements.check_signable(session, people["insurer_agent"], agreement,
                                  _values(people["insurer_agent"], agreement))


def test_a_signature_of_a_text_that_moved_is_refused(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    agent = people["insurer_agent"]
    stale = _values(agent, agreement, text_sha256="0" * 64)
    with app.test_request_context(), pytest.raises(Conflict, match="changed since you opened it"):
        agreements.sign(session, agent, agreement, stale, ip=None, user_agent=None, sealing_with=sealing_with())
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Signature)) == 0


def test_changing_the_text_after_sending_voids_the_signatures_and_tells_everyone(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    first_hash = agreement.text_sha256
    _sign(app, session, people["insurer_agent"], agreement)
    with app.test_request_context():
        agreements.reopen(session, people["mediator"], agreement)
        agreements.save_text(session, people["mediator"], agreement, agreement.text + "\nA new clause.")
        agreements.send(session, people["mediator"], agreement)
        session.commit()
    assert agreement.round == 2 and agreement.text_sha256 != first_hash
    assert agreements.current_signatures(agreement) == {}
    old = session.scalar(select(Signature).where(Signature.agreement_id == agreement.id))
    assert old.voided_at is not None and old.round == 1
    from tests.mediation.case_helpers import notifications_of

    assert notifications_of(session, people["customer"], "agreement.reopened")
    # The old page's hash no longer signs.
    with app.test_request_context(), pytest.raises(Conflict, match="changed since you opened it"):
        agreements.check_signable(session, people["insurer_agent"], agreement,
                                  _values(people["insurer_agent"], agreement, text_sha256=first_hash))
    _sign(app, session, people["insurer_agent"], agreement)  # the new text signs


def test_a_customer_signs_with_a_code_that_works_once_for_ten_minutes_and_five_tries(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    customer = people["customer"]
    secret = app.config["ODR"].secret_key
    with app.test_request_context():
        agreements.send_code(session, customer, agreement, secret=secret)
        session.commit()
        code = _code(session, customer)
        wrong = "000000" if code.replace(" ", "") != "000000" else "111111"
        for _attempt in range(4):
            assert "not right" in agreements.prove(session, customer, agreement, {"code": wrong}, secret=secret)
        assert "tried too often" in agreements.prove(session, customer, agreement, {"code": wrong}, secret=secret)
        # The right code no longer works after five tries.
        assert "Ask for a code first" in agreements.prove(session, customer, agreement, {"code": code}, secret=secret)
        session.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False), app.test_request_context():
        agreements.send_code(session, customer, agreement, secret=secret)
        session.commit()
        code = _code(session, customer)
    with time_machine.travel(utcnow() + timedelta(minutes=13), tick=False), app.test_request_context():
        assert "expired" in agreements.prove(session, customer, agreement, {"code": code}, secret=secret)
    with time_machine.travel(utcnow() + timedelta(minutes=15), tick=False), app.test_request_context():
        agreements.send_code(session, customer, agreement, secret=secret)
        session.commit()
        code = _code(session, customer)
        assert agreements.prove(session, customer, agreement, {"code": code}, secret=secret) is None
        assert "Ask for a code first" in agreements.prove(session, customer, agreement, {"code": code},
                                                          secret=secret)  # used once


def test_a_new_code_at_most_once_a_minute(app, session, world):
    _tenant, people, case = world
    agreement = _send(app, session, people, _settle(app, session, people, case))
    with app.test_request_context():
        agreements.send_code(session, people["customer"], agreement, secret="s")
        with pytest.raises(Conflict, match="less than a minute ago"):
            agreements.send_code(session, people["customer"], agreement, secret="s")
        with pytest.raises(Conflict, match="password"):
            agreements.send_code(session, people["insurer_agent"], agreement, secret="s")
    assert session.scalar(select(func.count()).select_from(SigningCode)) == 1


def test_the_mediator_does_not_sign_when_the_policy_says_so(app, session, world):
    tenant, people, case = world
    tenant.policy = {**(tenant.policy or {}), "agreements": {"mediator_signs": False}}
    session.commit()
    agreement = _send(app, session, people, _settle(app, session, people, case))
    _sign(app, session, people["insurer_agent"], agreement)
    _sign(app, session, people["customer"], agreement)
    assert agreement.status is AgreementStatus.SEALED
    assert agreements.required_roles(session, agreement) == ("customer", "insurer")
    with app.test_request_context(), pytest.raises(Forbidden, match="You do not sign"):
        agreements.check_signable(session, people["mediator"], agreement, _values(people["mediator"], agreement))


# Verifying --------------------------------------------------------------------------------------------


def test_verify_names_a_text_changed_after_signing(app, session, world):
    agreement = _sealed(app, session, world)
    agreement.text = agreement.text.replace("bank transfer", "cheque")
    session.commit()
    assert _verify(app, session, world[2])[0] == "the agreement's text does not match the hash it was signed with"


def test_verify_names_an_edited_signature_record(app, session, world):
    agreement = _sealed(app, session, world)
    signature = next(s for s in agreement.signatures if s.role == "customer")
    signature.signed_at = signature.signed_at - timedelta(days=1)
    session.commit()
    assert _verify(app, session, world[2]) == ["the customer's signature record does not match the audit chain"]


def _pdfsig(pdf: bytes, tmp_path) -> str:
    """What poppler's pdfsig says of the PDF's signature (it exits 0 either way: its text tells)."""
    path = tmp_path / "agreement.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout


def test_verify_names_an_edited_pdf_and_pdfsig_agrees(app, session, world, tmp_path):
    agreement = _sealed(app, session, world)
    assert "Signature is Valid." in _pdfsig(_pdf(app, agreement), tmp_path)
    pdf = bytearray(_pdf(app, agreement))
    where = pdf.find(b"/Author")
    pdf[where + 9] ^= 0x01
    with app.app_context():
        doc = session.get(Document, agreement.document_id)
        app.extensions["odr.storage"].put(doc.storage_key, BytesIO(bytes(pdf)), content_type="application/pdf")
    failures = _verify(app, session, world[2])
    assert "Digest Mismatch." in _pdfsig(bytes(pdf), tmp_path)
    assert failures[0] == "the stored PDF does not match its recorded SHA-256"
    assert failures[1].startswith("the PDF's seal is not valid")


def test_verify_names_a_broken_chain(app, session, world):
    agreement = _sealed(app, session, world)
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == world[2].id,
                                                   CaseEvent.kind == "agreement.sent"))
    event.payload = {**event.payload, "text_sha256": "f" * 64}
    session.commit()
    assert agreement.status is AgreementStatus.SEALED
    assert _verify(app, session, world[2])[0].startswith("the audit chain is broken at entry")


def test_the_command_exits_1_naming_the_first_failure(app, session, world):
    agreement = _sealed(app, session, world)
    runner = app.test_cli_runner()
    reference = world[2].reference
    ok = runner.invoke(args=["agreements", "verify", "--case", reference])
    assert ok.exit_code == 0, ok.output
    assert "are as signed" in ok.output
    agreement.text += "x"
    session.commit()
    bad = runner.invoke(args=["agreements", "verify", "--case", reference])
    assert bad.exit_code == 1
    assert "the agreement's text does not match the hash it was signed with" in bad.output
    assert runner.invoke(args=["agreements", "verify", "--case", "NOPE-1"]).exit_code == 1


def test_a_proposal_both_parties_accept_drafts_the_agreement_with_its_terms(app, session, world):
    from odr.mediation.offers import proposals
    from tests.mediation.offers_support import propose

    _tenant, people, case = world
    proposal = propose(app, session, people["mediator"], case, amount="1,250",
                       terms=[{"kind": "repair", "text": "the fence"}])
    with app.test_request_context():
        proposals.answer(session, people["customer"], proposal, "accept")
        assert agreements.agreement_of(session, case) is None  # one answer discloses nothing
        proposals.answer(session, people["insurer_agent"], proposal, "accept")
        session.commit()
    agreement = agreements.agreement_of(session, case)
    assert (agreement.source, agreement.source_id, agreement.amount_minor) == ("proposal", str(proposal.public_id),
                                                                              125000)
    assert "- A repair: the fence" in agreement.text


def test_a_blind_bidding_round_that_settles_drafts_the_agreement_at_the_rule_s_figure(app, session, world):
    from tests.mediation.test_bidding import _bid, _both_in

    _tenant, people, case = world
    _both_in(app, session, people, case)
    _bid(app, session, people["customer"], case, "10000")
    _bid(app, session, people["insurer_agent"], case, "8000")  # within 30%: the midpoint
    agreement = agreements.agreement_of(session, case)
    assert (agreement.source, agreement.amount_minor, agreement.terms) == ("blind_bid", 900000, [])
    assert "£9,000.00" in agreement.text and "£8,000.00" not in agreement.text and "£10,000.00" not in agreement.text


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="two signatures at the same instant need PostgreSQL (set ODR_TEST_DATABASE_URL)")
def test_the_last_two_signatures_at_the_same_instant_seal_it_once(tmp_path):
    import threading

    from odr.platform.db import write_intent
    from odr.platform.extensions import db
    from odr.tenants.models import User
    from tests.databases import committed_app

    with committed_app(tmp_path, "agreements_race") as app:
        factory = db.state(app).factory
        with app.app_context(), factory() as session:
            tenant, people = factories.tenant_with_people(session)
            tenant.policy = {**(tenant.policy or {}), "agreements": {"mediator_signs": False}}
            case = open_case(app, session, people)
            set_tenant(session, tenant.id)
            agreement = _send(app, session, people, _settle(app, session, people, case))
            signers = [people["customer"].id, people["insurer_agent"].id]
            ids = (tenant.id, case.id, agreement.id, agreement.text_sha256)
        tenant_id, case_id, agreement_id, shown = ids
        start = threading.Barrier(2)
        outcomes: list[str] = []

        def sign(user_id: int) -> None:
            with app.test_request_context(), write_intent(), factory() as session:
                set_tenant(session, tenant_id)
                user, mine = session.get(User, user_id), session.get(Agreement, agreement_id)
                values = _values(user, mine, text_sha256=shown)
                start.wait(timeout=30)
                agreements.sign(session, user, mine, values, ip=None, user_agent=None, sealing_with=sealing_with())
                session.commit()
                outcomes.append(mine.status.value)

        threads = [threading.Thread(target=sign, args=(u,)) for u in signers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(outcomes) == ["sealed", "sent"], outcomes  # the second in line saw the first's signature
        with factory() as session:
            set_tenant(session, tenant_id)
            sealed = session.get(Agreement, agreement_id)
            kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)).all()
            assert sealed.status is AgreementStatus.SEALED and len(sealed.signatures) == 2
            assert session.get(Case, case_id).state is CaseState.SETTLED
            assert session.scalar(select(func.count()).select_from(Document).where(Document.case_id == case_id)) == 1
        assert kinds.count("agreement.sealed") == 1 and kinds.count("agreement.signed") == 2


def test_once_an_agreement_is_drafted_nothing_new_is_offered_or_bid_and_open_offers_close(app, session, world):
    from odr.mediation.offers.models import Offer, OfferStatus
    from tests.mediation.test_bidding import _bid, _both_in

    _tenant, people, case = world
    _both_in(app, session, people, case)
    with app.test_request_context():
        open_offer = offers.make_offer(session, people["insurer_agent"], case,
                                       load(OfferSchema(), {"amount": "7000", "currency": case.currency}))
        session.commit()
    _bid(app, session, people["customer"], case, "10000")
    _bid(app, session, people["insurer_agent"], case, "9000")
    session.expire_all()
    assert session.get(Offer, open_offer.id).status is OfferStatus.CLOSED  # the bidding settled it
    with app.test_request_context(), pytest.raises(Conflict, match="agreement is being drafted"):
        offers.make_offer(session, people["customer"], case,
                          load(OfferSchema(), {"amount": "8000", "currency": case.currency}))
    session.rollback()


def test_an_accepted_offer_stops_blind_bidding_from_starting(app, session, world):
    from odr.mediation.bidding import services as bidding

    _tenant, people, case = world
    _settle(app, session, people, case)
    with app.test_request_context(), pytest.raises(Conflict, match="blind bidding cannot start"):
        bidding.opt_in(session, people["customer"], case)
