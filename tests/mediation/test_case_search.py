"""The case search finds a case by its policy number (whole or its start) and by the customer's
e-mail address (whole, any letter case), on the pages and in the API, within what one may see."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odr.mediation.cases import queries
from odr.mediation.core.models import Case
from odr.platform.tenancy import set_tenant
from tests.conftest import sign_in
from tests.mediation.case_helpers import form_token, refer


@pytest.fixture
def policies(app, session, tenant, scoped):
    """Three cases: two policies of one family, and one of a customer with an address of their own."""
    agent = scoped["insurer_agent"]
    cases = {
        "home": refer(app, session, agent, policy_number="NW-HOME-123456", customer_email="hana@example.com"),
        "home2": refer(app, session, agent, policy_number="NW-HOME-123999", customer_email="ivo@example.com"),
        "motor": refer(app, session, agent, policy_number="NW-MOTOR-777", customer_email="Jo.Kim@Example.com"),
    }
    set_tenant(session, tenant.id)
    return cases


def _refs(session, user, q):
    return {c.reference for c in queries.list_cases(session, user, {"q": q}).items}


def test_a_policy_number_whole_or_its_start_in_any_letter_case(session, scoped, policies):
    admin, c = scoped["admin"], policies
    assert _refs(session, admin, "NW-HOME-123456") == {c["home"].reference}
    assert _refs(session, admin, "nw-home-123") == {c["home"].reference, c["home2"].reference}
    assert _refs(session, admin, "NW-") == {c["home"].reference, c["home2"].reference, c["motor"].reference}
    # Its start, not any part of it: the middle of a number is not a policy one means.
    assert _refs(session, admin, "HOME-123") == set()
    assert _refs(session, admin, "NW_HOME") == set()  # an underscore is literal, not a wildcard


def test_the_customers_whole_address_in_any_letter_case(session, scoped, policies):
    admin, c = scoped["admin"], policies
    assert _refs(session, admin, "jo.kim@example.com") == {c["motor"].reference}
    assert _refs(session, admin, "HANA@EXAMPLE.COM") == {c["home"].reference}
    assert _refs(session, admin, "example.com") == set()
    assert _refs(session, admin, "hana@example") == set()


def test_only_within_what_one_may_see(session, scoped, policies, elsewhere):
    # The mediator is assigned none of these; another tenant's case with the same kind of number stays there.
    set_tenant(session, scoped["admin"].tenant_id)
    assert _refs(session, scoped["mediator"], "NW-HOME-123456") == set()
    assert _refs(session, scoped["mediator"], "hana@example.com") == set()
    assert _refs(session, scoped["admin"], elsewhere["case"].policy_number) == set()
    assert all(c.tenant_id == scoped["admin"].tenant_id
               for c in queries.list_cases(session, scoped["admin"], {"q": "NW-"}).items)


def test_the_list_page_and_the_api_find_them(client, session, tenant, scoped, policies):
    sign_in(client, tenant, scoped["insurer_agent"])
    page = client.get(f"/t/{tenant.slug}/cases", query_string={"q": "nw-motor"}).get_data(as_text=True)
    assert policies["motor"].reference in page and policies["home"].reference not in page
    assert "Reference, customer name, e-mail or policy number" in page
    api = f"/api/v1/t/{tenant.slug}/cases"
    headers = {"X-CSRFToken": form_token(client, tenant)}
    found = client.get(api, query_string={"q": "Hana@Example.com"}, headers=headers).get_json()
    assert [c["reference"] for c in found["items"]] == [policies["home"].reference]
    found = client.get(api, query_string={"q": "NW-HOME-123"}, headers=headers).get_json()
    assert found["total"] == 2


def test_policy_and_address_searches_can_use_indexes_on_postgresql(session, scoped):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")  # a table of a few rows
    for q, index in [("NW-HOME-12", "ix_cases_policy_number_trgm"),
                     ("hana@example.com", "ix_cases_tenant_id_customer_email")]:
        query = select(Case.id).where(queries.matching(q))
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {compiled}").scalars())
        assert index in plan, plan
