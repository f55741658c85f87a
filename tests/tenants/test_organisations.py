"""An insurer's reference prefix is its own in the tenant: on the pages, in the API, and when two
requests race to the same prefix."""

from __future__ import annotations

import re

from sqlalchemy import select

from odr.tenants import organisations
from odr.tenants.models import Organisation
from tests.conftest import csrf_token, post_form, sign_in

TAKEN = "Another insurer uses this prefix already; choose one of its own."


def prefixes(session) -> list[tuple[str, str | None]]:
    session.expire_all()
    return list(session.execute(select(Organisation.name, Organisation.reference_prefix).order_by(Organisation.name)))


def error_of(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, html[html.index("<main"):][:2000]
    return re.sub(r"<[^>]+>", "", match[1]).strip()


def test_a_second_insurer_with_a_prefix_in_use_is_a_field_error(admin_client, session, tenant):
    path = f"/t/{tenant.slug}/admin/organisations"
    response = post_form(admin_client, path, {"name": "Northwind Direct", "reference_prefix": "NW"}, from_path=path)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "reference_prefix") == f"Error: {TAKEN}"
    assert prefixes(session) == [("Northwind Insurance", "NW")]


def test_name_and_prefix_taken_are_said_together(admin_client, session, tenant):
    path = f"/t/{tenant.slug}/admin/organisations"
    response = post_form(admin_client, path, {"name": "northwind insurance", "reference_prefix": "NW"},
                         from_path=path)
    html = response.get_data(as_text=True)
    assert error_of(html, "name") == "Error: An organisation with this name is already registered."
    assert error_of(html, "reference_prefix") == f"Error: {TAKEN}"


def test_an_edit_cannot_take_another_insurers_prefix_but_may_keep_its_own(admin_client, session, tenant):
    path = f"/t/{tenant.slug}/admin/organisations"
    assert post_form(admin_client, path, {"name": "Fjord Mutual", "reference_prefix": "FJ"},
                     from_path=path).status_code == 303
    fjord = session.scalar(select(Organisation).where(Organisation.name == "Fjord Mutual"))
    edit = f"{path}/{fjord.public_id}"
    response = post_form(admin_client, edit, {"name": "Fjord Mutual", "reference_prefix": "NW"}, from_path=edit)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "reference_prefix") == f"Error: {TAKEN}"
    response = post_form(admin_client, edit, {"name": "Fjord Mutual Ltd", "reference_prefix": "FJ"}, from_path=edit)
    assert response.status_code == 303
    assert prefixes(session) == [("Fjord Mutual Ltd", "FJ"), ("Northwind Insurance", "NW")]


def test_the_api_refuses_a_prefix_in_use_on_its_field(client, tenant, people, session):
    sign_in(client, tenant, people["admin"])
    token = csrf_token(client, f"/t/{tenant.slug}/")
    response = client.post(f"/api/v1/t/{tenant.slug}/organisations", headers={"X-CSRFToken": token},
                           json={"name": "Api Assurance", "reference_prefix": "NW"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["fields"]) == ("validation_failed", {"reference_prefix": [TAKEN]})
    assert prefixes(session) == [("Northwind Insurance", "NW")]


def test_a_request_that_raced_past_the_check_meets_the_constraint_as_a_field_error(
    admin_client, session, tenant, monkeypatch
):
    # Two requests both found NW free; the other one's insurer is in the table first.
    monkeypatch.setattr(organisations, "_check_unique", lambda *args, **kwargs: None)
    path = f"/t/{tenant.slug}/admin/organisations"
    response = post_form(admin_client, path, {"name": "Northwind Direct", "reference_prefix": "NW"}, from_path=path)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "reference_prefix") == f"Error: {TAKEN}"
    # The page still works after the refused write, and nothing was stored.
    assert admin_client.get(path).status_code == 200
    assert prefixes(session) == [("Northwind Insurance", "NW")]


def test_insurers_without_a_prefix_are_not_a_clash(admin_client, session, tenant):
    path = f"/t/{tenant.slug}/admin/organisations"
    for name in ("Alpha Cover", "Beta Cover"):
        assert post_form(admin_client, path, {"name": name, "reference_prefix": ""}, from_path=path).status_code == 303
    assert prefixes(session) == [("Alpha Cover", None), ("Beta Cover", None), ("Northwind Insurance", "NW")]
