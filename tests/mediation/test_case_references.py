"""A case's human reference in its address leads to the case, for whoever may see it."""

from __future__ import annotations

import re

import pytest

from odr.mediation.core.models import Case
from tests.conftest import sign_in
from tests.mailbox import sign_in_as
from tests.mediation.case_helpers import refer


def _comparable(response, asked: str) -> str:
    """The page without what differs on every request (nonces, tokens, the error's reference) nor the
    address that was asked for."""
    text = response.get_data(as_text=True).replace(asked, "ASKED")
    text = re.sub(r'(nonce|content)="[^"]*"', "", text)
    return re.sub(r"Reference: [0-9a-f]+", "", text)


@pytest.fixture
def second(app, session, scoped) -> Case:
    """A second case of the insurer, not linked to the customer nor assigned to the mediator."""
    return refer(app, session, scoped["insurer_agent"], customer_name="Second Case")


@pytest.mark.parametrize("written", ["{ref}", "{lower}", "  {ref}  ", "%20{lower}%20"])
def test_a_reference_redirects_to_the_case(client, tenant, case, scoped, written):
    sign_in(client, tenant, scoped["mediator"])
    address = written.format(ref=case.reference, lower=case.reference.lower())
    response = client.get(f"/t/{tenant.slug}/cases/{address}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{tenant.slug}/cases/{case.public_id}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_reference_one_may_not_see_is_the_same_404_as_an_unknown_one(client, session, tenant, case, second, scoped):
    sign_in_as(client, session, tenant, scoped["customer"])
    hidden = client.get(f"/t/{tenant.slug}/cases/{second.reference}")
    unknown = client.get(f"/t/{tenant.slug}/cases/MED-1999-999999")
    hidden_id = client.get(f"/t/{tenant.slug}/cases/{second.public_id}")
    assert hidden.status_code == unknown.status_code == hidden_id.status_code == 404
    assert _comparable(hidden, second.reference) == _comparable(unknown, "MED-1999-999999")
    assert second.customer_name not in hidden.get_data(as_text=True)
    assert client.get(f"/t/{tenant.slug}/cases/{case.reference}").status_code == 302


def test_another_tenants_reference_is_not_found(client, tenant, case, scoped, elsewhere):
    sign_in(client, tenant, scoped["admin"])
    # The other tenant's case has a reference of its own numbering; ours may share it, so look for theirs
    # under its own id: a reference never crosses tenants.
    assert client.get(f"/t/{tenant.slug}/cases/{elsewhere['case'].public_id}").status_code == 404
    assert client.get(f"/t/{tenant.slug}/cases/{case.reference}").status_code == 302


@pytest.mark.parametrize("junk", ["%00", "x" * 40, "%E2%80%8B"])
def test_junk_in_place_of_a_reference_is_not_found(client, tenant, scoped, junk):
    sign_in(client, tenant, scoped["admin"])
    assert client.get(f"/t/{tenant.slug}/cases/{junk}").status_code == 404
