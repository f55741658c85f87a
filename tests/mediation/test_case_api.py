"""The cases' REST API: refer (idempotent), list with filters and pages, read one; one error format."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.mediation.core.models import Case
from odr.tenants.models import Organisation
from tests.conftest import sign_in
from tests.mediation.case_helpers import (
    accept,
    counts,
    days_ago,
    form_token,
    refer,
    referral,
    switch_to,
)
from tests.tenants.test_api import assert_error


class CasesApi:
    """A signed-in script: the session cookie, and the CSRF token in a header."""

    def __init__(self, client, tenant):
        self.client = client
        self.base = f"/api/v1/t/{tenant.slug}"
        self.token = form_token(client, tenant)

    def get(self, path, **kwargs):
        return self.client.get(self.base + path, **kwargs)

    def post(self, path, body, headers=None):
        return self.client.post(self.base + path, json=body, headers={"X-CSRFToken": self.token, **(headers or {})})


@pytest.fixture
def agent_api(client, tenant, scoped):
    sign_in(client, tenant, scoped["insurer_agent"])
    return CasesApi(client, tenant)


def test_a_referral_is_created_once_per_idempotency_key(agent_api, session):
    first = agent_api.post("/cases", referral(), headers={"Idempotency-Key": "key-0001-abcdef"})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["reference"].startswith("MED-") and body["state"] == "referred" and body["tier"] == 1
    assert body["amount_minor"] == 425000 and body["amount"] == "4250.00" and body["currency"] == "GBP"
    assert body["insurer"]["name"] == "Northwind Insurance"
    assert [s["level"] for s in body["escalation_steps"]] == ["frontline", "internal_review"]
    again = agent_api.post("/cases", referral(), headers={"Idempotency-Key": "key-0001-abcdef"})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    in_body = agent_api.post("/cases", referral(idempotency_key="key-0001-abcdef"))
    assert in_body.status_code == 200 and in_body.get_json()["id"] == body["id"]
    assert len(session.scalars(select(Case)).all()) == 1


def test_the_header_and_the_body_may_not_disagree_on_the_key(agent_api, session):
    response = agent_api.post("/cases", referral(idempotency_key="key-in-the-body"),
                              headers={"Idempotency-Key": "key-in-the-header"})
    assert_error(response, 400, "validation_failed", ["idempotency_key"])
    assert counts(session)[0] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"final_response_date": days_ago(200)}, "final_response_date"),
        ({"complaint_date": days_ago(-7)}, "complaint_date"),  # a week ahead: collected before midnight, run after
        ({"amount": "-0.01"}, "amount"),
        ({"amount": "1e15"}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"customer_email": "chris at example"}, "customer_email"),
        ({"escalation_steps": [{"level": "frontline", "step_date": days_ago(-3), "outcome": "x"}]},
         "escalation_steps.0.step_date"),
    ],
    ids=["response-before-complaint", "future-date", "negative", "absurd", "currency", "email", "future-step"],
)
def test_bad_input_is_a_field_error_and_stores_nothing(agent_api, session, change, field):
    before = counts(session)
    error = assert_error(agent_api.post("/cases", referral(**change)), 400, "validation_failed")
    assert field in error["fields"], error
    assert counts(session) == before


def test_the_body_must_be_a_json_object(agent_api):
    assert_error(agent_api.post("/cases", ["not", "an", "object"]), 400, "validation_failed")


def test_staff_refer_for_an_insurer_they_name(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["case_manager"])
    api = CasesApi(client, tenant)
    assert_error(api.post("/cases", referral()), 400, "validation_failed", ["organisation_id"])
    insurer = session.scalars(select(Organisation)).one()
    created = api.post("/cases", referral(organisation_id=str(insurer.public_id)))
    assert created.status_code == 201


def test_customers_and_mediators_may_not_refer(client, session, tenant, scoped):
    sign_in(client, tenant, scoped["mediator"])
    assert_error(CasesApi(client, tenant).post("/cases", referral()), 403, "forbidden")
    assert counts(session)[0] == 0


def test_anonymous_calls_are_401(client, tenant):
    assert_error(client.get(f"/api/v1/t/{tenant.slug}/cases"), 401, "unauthenticated")


def test_the_list_filters_searches_and_pages(app, client, session, tenant, scoped):
    agent, manager = scoped["insurer_agent"], scoped["case_manager"]
    made = [refer(app, session, agent, customer_name=f"Pat {n:02d}") for n in range(26)]
    opened = accept(app, session, manager, made[3], scoped["mediator"])
    sign_in(client, tenant, agent)
    api = CasesApi(client, tenant)
    first = api.get("/cases").get_json()
    assert (first["total"], first["page"], first["pages"], first["page_size"]) == (26, 1, 2, 25)
    assert len(first["items"]) == 25 and first["items"][0]["reference"] == made[-1].reference
    second = api.get("/cases?page=2").get_json()
    assert [c["reference"] for c in second["items"]] == [made[0].reference]
    only_open = api.get("/cases?state=open").get_json()
    assert [c["reference"] for c in only_open["items"]] == [opened.reference]
    assert only_open["items"][0]["mediator"]["name"] == scoped["mediator"].full_name
    both = api.get("/cases?state=open&state=referred&q=pat%2007").get_json()
    assert [c["customer_name"] for c in both["items"]] == ["Pat 07"]
    assert api.get("/cases?tier=2").get_json()["total"] == 1
    assert api.get("/cases?mediator=none").get_json()["total"] == 25
    assert api.get("/cases?overdue=true").get_json()["total"] == 0
    assert_error(api.get("/cases?tier=7"), 400, "validation_failed", ["tier"])
    assert_error(api.get("/cases?state=lost"), 400, "validation_failed", ["state"])


def test_one_case_is_read_only_by_those_who_may_see_it(app, client, session, tenant, scoped, elsewhere):
    ours = refer(app, session, scoped["insurer_agent"], customer_needs="Large print, please.")
    sign_in(client, tenant, scoped["insurer_agent"])
    api = CasesApi(client, tenant)
    body = api.get(f"/cases/{ours.public_id}").get_json()
    assert body["reference"] == ours.reference and body["customer_needs"] == "Large print, please."
    assert body["final_response_date"] == days_ago(60) and body["clock_paused"] is False
    assert_error(api.get(f"/cases/{elsewhere['case'].public_id}"), 404, "not_found")
    assert_error(api.get("/cases/not-a-uuid"), 404, "not_found")
    switch_to(client, session, tenant, scoped["mediator"])  # not assigned to it
    assert_error(CasesApi(client, tenant).get(f"/cases/{ours.public_id}"), 404, "not_found")


def test_the_openapi_document_describes_the_cases(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/t/{slug}/cases"])
    assert "get" in paths["/api/v1/t/{slug}/cases/{public_id}"]
    post = paths["/api/v1/t/{slug}/cases"]["post"]
    assert {"200", "201"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Referral")
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
