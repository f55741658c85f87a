"""The route matrix: every route the app serves, and the status each role gets from it on a record of its
own tenant and on the same kind of record of another tenant. tests/platform/test_routes.py walks it.

Columns follow WHO: admin, case manager, mediator, insurer agent, customer, and anonymous (signed in
nowhere, or only in another tenant: a page sends them to sign in, the API answers 401). ``other`` is the
same request on another tenant's record, for the five roles; None where the route names no record.
Forms are sent empty or invalid unless a body is given below: who may act gets the refusal of the input
(400) or of the state (409), who may not gets 403, or 404 for a record they may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

ROLES = ("admin", "case_manager", "mediator", "insurer_agent", "customer")
WHO = (*ROLES, "anonymous")


class Row(NamedTuple):
    """What each of WHO gets on its own tenant's record, and what each role gets on another tenant's."""

    own: tuple[int, int, int, int, int, int]
    other: tuple[int, int, int, int, int] | None = None


NOT_FOUND = (404, 404, 404, 404, 404)
BAD_INPUT = (400, 400, 400, 400, 400)  # the input is refused before the record is looked for

# fmt: off
TABLE: dict[str, dict[tuple[str, str], Row]] = {
    # The targets: the customer's account, two invitations, the insurer's organisation.
    "tenants": {
        #                                                admin cm   med  agent cust anon
        ("GET", "tenants.dashboard"):               Row((200, 200, 200, 200, 200, 302)),
        ("GET", "tenants.users"):                   Row((200, 403, 403, 403, 403, 302)),
        ("POST", "tenants.user_active"):            Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("GET", "tenants.user_edit"):               Row((200, 403, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "tenants.user_update"):            Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("GET", "tenants.profile"):                 Row((200, 200, 200, 200, 200, 302)),
        ("POST", "tenants.profile_update"):         Row((400, 400, 400, 400, 400, 302)),
        ("POST", "tenants.password_change"):        Row((400, 400, 400, 400, 403, 302)),
        ("POST", "tenants.sessions_end"):           Row((303, 303, 303, 303, 303, 302)),
        ("POST", "tenants.session_extend"):         Row((200, 200, 200, 200, 200, 302)),
        ("GET", "tenants.second_factor_setup"):     Row((200, 200, 200, 200, 403, 302)),
        ("POST", "tenants.second_factor_enable"):   Row((400, 400, 400, 400, 403, 302)),
        ("POST", "tenants.recovery_codes_renew"):   Row((400, 400, 400, 400, 403, 302)),
        ("POST", "tenants.second_factor_disable"):  Row((400, 400, 400, 400, 403, 302)),
        ("POST", "tenants.second_factor_reset"):    Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "tenants.second_factor_requirement"): Row((303, 403, 403, 403, 403, 302)),
        ("GET", "tenants.invitations"):             Row((200, 403, 403, 403, 403, 302)),
        ("POST", "tenants.invitation_create"):      Row((303, 403, 403, 403, 403, 302)),
        ("POST", "tenants.invitation_resend"):      Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "tenants.invitation_revoke"):      Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("GET", "tenants.organisations"):           Row((200, 200, 403, 403, 403, 302)),
        ("POST", "tenants.organisation_create"):    Row((303, 403, 403, 403, 403, 302)),
        ("GET", "tenants.organisation_edit"):       Row((200, 403, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "tenants.organisation_edit"):      Row((303, 403, 403, 403, 403, 302), NOT_FOUND),
        ("GET", "tenants.administration"):          Row((200, 200, 404, 404, 404, 302)),
        ("GET", "tenants.policy"):                  Row((200, 200, 403, 403, 403, 302)),
        ("POST", "tenants.policy_review"):          Row((400, 403, 403, 403, 403, 302)),
        ("POST", "tenants.policy_save"):            Row((400, 403, 403, 403, 403, 302)),
        ("GET", "tenants_api.Me"):                  Row((200, 200, 200, 200, 200, 401)),
        ("GET", "tenants_api.Users"):               Row((200, 403, 403, 403, 403, 401)),
        ("GET", "tenants_api.UserItem"):            Row((200, 403, 403, 403, 403, 401), NOT_FOUND),
        ("PUT", "tenants_api.UserItem"):            Row((200, 403, 403, 403, 403, 401), NOT_FOUND),
        ("GET", "tenants_api.Organisations"):       Row((200, 200, 403, 403, 403, 401)),
        ("POST", "tenants_api.Organisations"):      Row((201, 403, 403, 403, 403, 401)),
        ("GET", "tenants_api.Invitations"):         Row((200, 403, 403, 403, 403, 401)),
        ("POST", "tenants_api.Invitations"):        Row((201, 201, 403, 403, 403, 401)),
    },
    # The target: a notification of the admin's; to anyone else it does not exist.
    "notifications": {
        ("GET", "tenants.notifications"):           Row((200, 200, 200, 200, 200, 302)),
        ("POST", "tenants.notifications_read"):     Row((303, 303, 303, 303, 303, 302)),
        ("GET", "tenants.notification_open"):       Row((303, 404, 404, 404, 404, 302), NOT_FOUND),
    },
    # The target: the German wording of the rejection e-mail (not a record of a tenant).
    "email_templates": {
        ("GET", "tenants.email_templates"):         Row((200, 403, 403, 403, 403, 302)),
        ("GET", "tenants.email_template_edit"):     Row((200, 403, 403, 403, 403, 302)),
        ("POST", "tenants.email_template_edit"):    Row((303, 403, 403, 403, 403, 302)),
        ("POST", "tenants.email_template_reset"):   Row((303, 403, 403, 403, 403, 302)),
    },
    # The target: an open case, its customer linked and its mediator assigned.
    "cases": {
        ("GET", "cases.index"):                     Row((200, 200, 200, 200, 200, 302)),
        ("GET", "cases.refer"):                     Row((200, 200, 403, 200, 403, 302)),
        ("POST", "cases.refer"):                    Row((400, 400, 403, 400, 403, 302)),
        ("GET", "cases.show"):                      Row((200, 200, 200, 200, 200, 302), NOT_FOUND),
        ("GET", "cases.screening"):                 Row((200, 200, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.screening_start"):          Row((409, 409, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.screening_override"):       Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.screening_accept"):         Row((409, 409, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.screening_reject"):         Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.assign_mediator"):          Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.clock_pause"):              Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.clock_resume"):             Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.clock_extend"):             Row((400, 400, 403, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.request_escalation"):       Row((403, 403, 400, 400, 400, 302), NOT_FOUND),
        ("POST", "cases.withdraw"):                 Row((400, 400, 403, 400, 400, 302), NOT_FOUND),
        ("POST", "cases.not_settled"):              Row((400, 400, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.close"):                    Row((409, 409, 409, 403, 403, 302), NOT_FOUND),
        ("POST", "cases.add_representative"):       Row((400, 400, 403, 403, 400, 302), NOT_FOUND),
        ("POST", "cases.remove_representative"):    Row((404, 404, 403, 403, 404, 302), NOT_FOUND),
        ("GET", "cases_api.Cases"):                 Row((200, 200, 200, 200, 200, 401)),
        ("POST", "cases_api.Cases"):                Row((400, 400, 403, 400, 403, 401)),
        ("GET", "cases_api.CaseItem"):              Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
    },
    # The targets: a case without a mediator yet (so the mediator may not see it) and its open task to
    # phone the customer. The insurer agent and the customer see the case but may not record for it, and
    # never see staff tasks. The task list is the ``tasks.list`` action's page.
    "contact": {
        ("GET", "contact.my_tasks"):                Row((200, 200, 403, 403, 403, 302)),
        ("GET", "contact.task"):                    Row((200, 200, 404, 404, 404, 302), NOT_FOUND),
        ("POST", "contact.task"):                   Row((303, 303, 404, 404, 404, 302), NOT_FOUND),
        ("GET", "contact.case_contact"):            Row((200, 200, 404, 403, 403, 302), NOT_FOUND),
        ("POST", "contact.case_contact"):           Row((303, 303, 404, 403, 403, 302), NOT_FOUND),
    },
    # The target: the open case's room; the reply templates named do not exist.
    "rooms": {
        ("GET", "rooms.room"):                      Row((200, 200, 200, 200, 200, 302), NOT_FOUND),
        ("POST", "rooms.send"):                     Row((400, 400, 400, 400, 400, 302), NOT_FOUND),
        ("POST", "rooms.retract"):                  Row((400, 400, 400, 400, 400, 302), NOT_FOUND),
        ("POST", "rooms.carry"):                    Row((400, 400, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "rooms.mode"):                     Row((400, 400, 400, 403, 403, 302), NOT_FOUND),
        ("GET", "rooms.templates"):                 Row((200, 200, 200, 403, 403, 302)),
        ("POST", "rooms.template_create"):          Row((400, 400, 400, 403, 403, 302)),
        ("GET", "rooms.template_edit"):             Row((404, 404, 404, 403, 403, 302)),
        ("POST", "rooms.template_update"):          Row((404, 404, 404, 403, 403, 302)),
        ("POST", "rooms.template_delete"):          Row((404, 404, 404, 403, 403, 302)),
    },
    # The targets: the insurer's open offer in the open case, the insurer's offer to the mediator only,
    # and the mediator's open proposal. Staff and the mediator see offers but make and answer none;
    # the insurer may withdraw its own (303); the customer may answer it. Only the mediator conveys
    # and proposes (409 while its proposal waits for answers); only the parties answer a proposal.
    "offers": {
        ("POST", "offers.make"):                    Row((403, 403, 403, 400, 400, 302), NOT_FOUND),
        ("POST", "offers.respond"):                 Row((403, 403, 403, 400, 400, 302), NOT_FOUND),
        ("POST", "offers.withdraw"):                Row((403, 403, 403, 303, 403, 302), NOT_FOUND),
        ("GET", "offers_api.CaseOffers"):           Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
        ("POST", "offers_api.CaseOffers"):          Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("POST", "offers_api.OfferResponse"):       Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        # The page withdrew the insurer's offer just before: it is no longer open.
        ("POST", "offers_api.OfferWithdrawal"):     Row((403, 403, 403, 409, 403, 401), NOT_FOUND),
        ("POST", "offers.convey"):                  Row((403, 403, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "offers.propose"):                 Row((403, 403, 409, 403, 403, 302), NOT_FOUND),
        ("POST", "offers.answer_proposal"):         Row((403, 403, 403, 400, 400, 302), NOT_FOUND),
        ("POST", "offers_api.OfferConveyance"):     Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("GET", "offers_api.CaseProposals"):        Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
        ("POST", "offers_api.CaseProposals"):       Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("POST", "offers_api.ProposalAnswer"):      Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
    },
    # The target: the draft agreement of an open case whose insurer's offer the customer accepted; its
    # payment method is still empty, so it cannot be sent, and not being sent, nothing can be signed.
    "agreements": {
        ("GET", "agreements.agreement"):            Row((200, 200, 200, 200, 200, 302), NOT_FOUND),
        ("POST", "agreements.details"):             Row((403, 400, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "agreements.text"):                Row((403, 400, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "agreements.send"):                Row((403, 400, 400, 403, 403, 302), NOT_FOUND),
        ("POST", "agreements.reopen"):              Row((403, 409, 409, 403, 403, 302), NOT_FOUND),
        ("POST", "agreements.code"):                Row((403, 403, 409, 409, 409, 302), NOT_FOUND),
        ("POST", "agreements.sign"):                Row((403, 403, 409, 409, 409, 302), NOT_FOUND),
        ("GET", "agreements.template_default"):     Row((303, 403, 403, 403, 403, 302)),
        ("GET", "agreements.template"):             Row((200, 403, 403, 403, 403, 302)),
        ("POST", "agreements.template"):            Row((400, 403, 403, 403, 403, 302)),
        ("POST", "agreements.template_reset"):      Row((303, 403, 403, 403, 403, 302)),
        ("GET", "agreements_api.CaseAgreement"):    Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
    },
    # The target: the open case's blind bidding, both sides opted in. Staff and the mediator see it but
    # take no part; a party opting in again is told it has (409), an empty figure is refused (400).
    "bidding": {
        ("POST", "bidding.opt_in"):                 Row((403, 403, 403, 409, 409, 302), NOT_FOUND),
        ("POST", "bidding.bid"):                    Row((403, 403, 403, 400, 400, 302), NOT_FOUND),
        ("GET", "bidding_api.BlindBiddingStatus"):  Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
        ("POST", "bidding_api.BlindBiddingOptIn"):  Row((403, 403, 403, 409, 409, 401), NOT_FOUND),
        ("POST", "bidding_api.BlindBids"):          Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
    },
    # The target: the insurer's caucus document in the open case. Who may see it gets the link or the
    # record; the customer, who may not, gets 404, never 403.
    "documents": {
        ("GET", "documents.download"):                     Row((303, 303, 303, 303, 404, 302), NOT_FOUND),
        ("GET", "documents.preview"):                      Row((303, 303, 303, 303, 404, 302), NOT_FOUND),
        ("GET", "documents.file"):                         Row((404, 404, 404, 404, 404, 302), NOT_FOUND),
        ("GET", "documents.panel"):                        Row((200, 200, 200, 200, 200, 302), NOT_FOUND),
        ("GET", "documents_api.CaseDocuments"):            Row((200, 200, 200, 200, 200, 401), NOT_FOUND),
        ("POST", "documents_api.CaseDocuments"):           Row((400, 400, 400, 400, 400, 401), NOT_FOUND),
        ("POST", "documents_api.DirectUploads"):           Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("POST", "documents_api.DirectUploadCompletion"):  Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("PUT", "documents_api.SignedUpload"):             Row((404, 404, 404, 404, 404, 401)),
        ("GET", "documents_api.DocumentItem"):             Row((200, 200, 200, 200, 404, 401), NOT_FOUND),
        ("POST", "documents_api.Carry"):                   Row((400, 400, 400, 400, 400, 401), BAD_INPUT),
        ("GET", "documents_api.Link"):                     Row((200, 200, 200, 200, 404, 401), NOT_FOUND),
    },
}
# fmt: on

# Routes anyone may use, signed in or not: signing in and out, the links from e-mails, the language.
PUBLIC = {
    ("GET", "tenants.sign_in"),
    ("POST", "tenants.sign_in"),
    ("POST", "tenants.sign_out"),
    ("GET", "tenants.session_state"),
    ("GET", "tenants.sign_in_code"),
    ("POST", "tenants.sign_in_code"),
    ("GET", "tenants.sign_in_link"),
    ("POST", "tenants.sign_in_link"),
    ("GET", "tenants.link"),
    ("POST", "tenants.redeem"),
    ("POST", "web.choose_language"),
}
# Routes outside any tenant, not for people: the static files, the API's description, the health
# checks, and the front door that lists the tenants.
UNLISTED = {
    ("GET", "static"),
    ("GET", "api-docs.openapi_json"),
    ("GET", "web.healthz"),
    ("GET", "web.readyz"),
    ("GET", "front_door.front_door"),
}

Requests = dict[str, tuple[str, dict[str, str]]]

MISSING = "00000000-0000-4000-8000-000000000000"  # a public id nothing has


def _tenants(t: Mapping[str, Any]) -> Requests:
    page, api = f"/t/{t['slug']}", f"/api/v1/t/{t['slug']}"
    invitee = {"full_name": "Nora New", "email": "nora.new@example.org", "role": "mediator"}
    return {
        "tenants.dashboard": (f"{page}/", {}),
        "tenants.users": (f"{page}/admin/users", {}),
        "tenants.user_active": (f"{page}/admin/users/{t['user']}/active", {"active": "1"}),
        "tenants.user_edit": (f"{page}/admin/users/{t['user']}", {}),
        "tenants.user_update": (f"{page}/admin/users/{t['user']}", {"full_name": "Mo Mediator", "role": "mediator"}),
        "tenants.profile": (f"{page}/profile", {}),
        "tenants.profile_update": (f"{page}/profile", {}),
        "tenants.password_change": (f"{page}/profile/password", {}),
        "tenants.sessions_end": (f"{page}/profile/sessions/end", {}),
        "tenants.session_extend": (f"{page}/session", {}),
        "tenants.second_factor_setup": (f"{page}/profile/two-step", {}),
        "tenants.second_factor_enable": (f"{page}/profile/two-step", {"code": "123456"}),
        "tenants.recovery_codes_renew": (f"{page}/profile/two-step/recovery-codes", {"code": "123456"}),
        "tenants.second_factor_disable": (f"{page}/profile/two-step/off", {"code": "123456"}),
        "tenants.second_factor_reset": (f"{page}/admin/users/{t['user']}/two-step/reset", {}),
        "tenants.second_factor_requirement": (f"{page}/admin/two-step", {}),
        "tenants.invitations": (f"{page}/admin/invitations", {}),
        "tenants.invitation_create": (f"{page}/admin/invitations", invitee),
        "tenants.invitation_resend": (f"{page}/admin/invitations/{t['resend']}/resend", {}),
        "tenants.invitation_revoke": (f"{page}/admin/invitations/{t['revoke']}/revoke", {}),
        "tenants.organisations": (f"{page}/admin/organisations", {}),
        "tenants.organisation_create": (f"{page}/admin/organisations", {"name": "Fjord Mutual"}),
        "tenants.organisation_edit": (f"{page}/admin/organisations/{t['organisation']}",
                                      {"name": "Northwind Insurance", "reference_prefix": "NWI"}),
        "tenants.administration": (f"{page}/admin", {}),
        "tenants.policy": (f"{page}/admin/policy", {}),
        "tenants.policy_review": (f"{page}/admin/policy/review", {"deadlines__response_days": "-1"}),
        "tenants.policy_save": (f"{page}/admin/policy", {"deadlines__response_days": "-1"}),
        "tenants_api.Me": (f"{api}/me", {}),
        "tenants_api.Users": (f"{api}/users", {}),
        "tenants_api.UserItem": (f"{api}/users/{t['user']}", {"full_name": "Mo Mediator", "role": "mediator"}),
        "tenants_api.Organisations": (f"{api}/organisations", {"name": "Api Assurance"}),
        "tenants_api.Invitations": (f"{api}/invitations",
                                    {"full_name": "Cara Customer", "email": "cara@example.org", "role": "customer"}),
    }


def _notifications(t: Mapping[str, Any]) -> Requests:
    base = f"/t/{t['slug']}/notifications"
    return {
        "tenants.notifications": (base, {}),
        "tenants.notifications_read": (f"{base}/read", {}),
        "tenants.notification_open": (f"{base}/{t['notification']}", {}),
    }


def _email_templates(t: Mapping[str, Any]) -> Requests:
    base = f"/t/{t['slug']}/admin/templates"
    wording = {"action": "save", "subject": "Fall {{ case_reference }}", "body": "Hallo {{ recipient_name }}"}
    return {
        "tenants.email_templates": (base, {}),
        "tenants.email_template_edit": (f"{base}/rejection/de", wording),
        "tenants.email_template_reset": (f"{base}/rejection/de/reset", wording),
    }


def _cases(t: Mapping[str, Any]) -> Requests:
    page, api, case = f"/t/{t['slug']}", f"/api/v1/t/{t['slug']}", f"/t/{t['slug']}/cases/{t['case']}"
    return {
        "cases.index": (f"{page}/cases", {}),
        "cases.refer": (f"{page}/cases/new", {}),
        "cases.show": (case, {}),
        "cases.screening": (f"{case}/screening", {}),
        "cases.screening_start": (f"{case}/screening/start", {}),
        "cases.screening_override": (f"{case}/screening/override", {}),
        "cases.screening_accept": (f"{case}/screening/accept", {}),
        "cases.screening_reject": (f"{case}/screening/reject", {}),
        "cases.assign_mediator": (f"{case}/mediator", {}),
        "cases.clock_pause": (f"{case}/clock/pause", {}),
        "cases.clock_resume": (f"{case}/clock/resume", {}),
        "cases.clock_extend": (f"{case}/clock/extend", {}),
        "cases.request_escalation": (f"{case}/escalation", {}),
        "cases.withdraw": (f"{case}/withdraw", {}),
        "cases.not_settled": (f"{case}/not-settled", {}),
        "cases.close": (f"{case}/close", {}),
        "cases.add_representative": (f"{case}/representatives", {}),
        "cases.remove_representative": (f"{case}/representatives/0/remove", {}),
        "cases_api.Cases": (f"{api}/cases", {}),
        "cases_api.CaseItem": (f"{api}/cases/{t['case']}", {}),
    }


def _contact(t: Mapping[str, Any]) -> Requests:
    page = f"/t/{t['slug']}"
    said = {"party": "customer", "medium": "phone", "received_on": t["today"],
            "summary": "She accepts the offer of 3,000 and wants payment by bank transfer."}
    return {
        "contact.my_tasks": (f"{page}/tasks", {}),
        "contact.task": (f"{page}/tasks/{t['task']}", {"result": "reached", "note": "Spoke to her."}),
        "contact.case_contact": (f"{page}/cases/{t['case']}/contact", said),
    }


def _rooms(t: Mapping[str, Any]) -> Requests:
    page, room = f"/t/{t['slug']}", f"/t/{t['slug']}/cases/{t['case']}/room"
    return {
        "rooms.room": (room, {}),
        "rooms.send": (f"{room}/messages", {}),
        "rooms.retract": (f"{room}/retract", {}),
        "rooms.carry": (f"{room}/carry", {}),
        "rooms.mode": (f"{room}/mode", {}),
        "rooms.templates": (f"{page}/reply-templates", {}),
        "rooms.template_create": (f"{page}/reply-templates", {}),
        "rooms.template_edit": (f"{page}/reply-templates/{MISSING}", {}),
        "rooms.template_update": (f"{page}/reply-templates/{MISSING}", {}),
        "rooms.template_delete": (f"{page}/reply-templates/{MISSING}/delete", {}),
    }


def _offers(t: Mapping[str, Any]) -> Requests:
    page, api = f"/t/{t['slug']}/cases/{t['case']}/offers", f"/api/v1/t/{t['slug']}/cases/{t['case']}/offers"
    offer, caucus, proposal = t["offer"], t["caucus_offer"], t["proposal"]
    proposals = f"/t/{t['slug']}/cases/{t['case']}/proposals"
    proposals_api = f"/api/v1/t/{t['slug']}/cases/{t['case']}/proposals"
    return {
        "offers.make": (page, {}),
        "offers.respond": (f"{page}/{offer}/respond", {}),
        "offers.withdraw": (f"{page}/{offer}/withdraw", {}),
        "offers.convey": (f"{page}/{caucus}/convey", {}),
        "offers.propose": (proposals, {}),
        "offers.answer_proposal": (f"{proposals}/{proposal}/answer", {}),
        "offers_api.CaseOffers": (api, {}),
        "offers_api.OfferResponse": (f"{api}/{offer}/respond", {}),
        "offers_api.OfferWithdrawal": (f"{api}/{offer}/withdraw", {}),
        "offers_api.OfferConveyance": (f"{api}/{caucus}/convey", {}),
        "offers_api.CaseProposals": (proposals_api, {}),
        "offers_api.ProposalAnswer": (f"{proposals_api}/{proposal}/answer", {}),
    }


def _agreements(t: Mapping[str, Any]) -> Requests:
    page = f"/t/{t['slug']}/cases/{t['case']}/agreement"
    template = f"/t/{t['slug']}/admin/agreement-template"
    return {
        "agreements.agreement": (page, {}),
        "agreements.details": (f"{page}/details", {}),
        "agreements.text": (f"{page}/text", {}),
        "agreements.send": (f"{page}/send", {}),
        "agreements.reopen": (f"{page}/reopen", {}),
        "agreements.code": (f"{page}/code", {}),
        "agreements.sign": (f"{page}/sign", {}),
        "agreements.template_default": (template, {}),
        "agreements.template": (f"{template}/en", {}),
        "agreements.template_reset": (f"{template}/en/reset", {}),
        "agreements_api.CaseAgreement": (f"/api/v1/t/{t['slug']}/cases/{t['case']}/agreement", {}),
    }


def _bidding(t: Mapping[str, Any]) -> Requests:
    page = f"/t/{t['slug']}/cases/{t['case']}/blind-bidding"
    api = f"/api/v1/t/{t['slug']}/cases/{t['case']}/blind-bidding"
    return {
        "bidding.opt_in": (f"{page}/opt-in", {}),
        "bidding.bid": (f"{page}/bids", {}),
        "bidding_api.BlindBiddingStatus": (api, {}),
        "bidding_api.BlindBiddingOptIn": (f"{api}/opt-in", {}),
        "bidding_api.BlindBids": (f"{api}/bids", {}),
    }


def _documents(t: Mapping[str, Any]) -> Requests:
    page, api = f"/t/{t['slug']}", f"/api/v1/t/{t['slug']}"
    case, doc = t["case"], t["document"]
    return {
        "documents.download": (f"{page}/documents/{doc}/download", {}),
        "documents.preview": (f"{page}/documents/{doc}/preview", {}),
        "documents.file": (f"{page}/documents/{doc}/file/not-a-token", {}),
        "documents.panel": (f"{page}/cases/{case}/documents", {}),
        "documents_api.CaseDocuments": (f"{api}/cases/{case}/documents", {}),
        "documents_api.DirectUploads": (f"{api}/cases/{case}/documents/direct", {}),
        "documents_api.DirectUploadCompletion": (f"{api}/cases/{case}/documents/direct/complete", {}),
        "documents_api.SignedUpload": (f"{api}/documents/uploads/not-a-token", {}),
        "documents_api.DocumentItem": (f"{api}/documents/{doc}", {}),
        "documents_api.Carry": (f"{api}/documents/{doc}/carry", {}),
        "documents_api.Link": (f"{api}/documents/{doc}/link", {}),
    }


REQUESTS: dict[str, Callable[[Mapping[str, Any]], Requests]] = {
    "tenants": _tenants,
    "notifications": _notifications,
    "email_templates": _email_templates,
    "cases": _cases,
    "contact": _contact,
    "rooms": _rooms,
    "documents": _documents,
    "offers": _offers,
    "agreements": _agreements,
    "bidding": _bidding,
}
ROUTES = {key: row for section in TABLE.values() for key, row in section.items()}


def requests_of(section: str, targets: Mapping[str, Any]) -> Requests:
    """Where each endpoint of ``section`` is and what its form or API call sends, on ``targets`` (the
    tenant's slug, and the public ids of the records the section's routes act on)."""
    return REQUESTS[section](targets)
