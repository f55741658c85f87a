"""Language names, numbers and amounts as the reader writes them ("Englisch", "10.000", "445.000,00 £")."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from odr.mediation.cases.rules import evaluate
from odr.mediation.documents.services import _refusal_message
from odr.mediation.rooms.schemas import SendSchema
from odr.platform.errors import ValidationFailed
from odr.platform.i18n import language_name, number
from odr.storage.intake import Refused
from odr.tenants.notifications.services import check_template
from tests.conftest import sign_in
from tests.mediation.case_helpers import html_of, refer
from tests.mediation.test_screening_rules import a_case


@pytest.mark.parametrize(("reader", "english", "german"), [("en", "English", "German"), ("de", "Englisch", "Deutsch")])
def test_languages_are_named_in_the_reader_language(app, reader, english, german):
    with app.test_request_context(headers={"Accept-Language": reader}):
        assert (language_name("en"), language_name("de")) == (english, german)


def test_the_case_page_names_the_customer_language_in_german(app, client, session, tenant, scoped):
    case = refer(app, session, scoped["insurer_agent"])
    sign_in(client, tenant, scoped["case_manager"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = html_of(client.get(f"/t/{tenant.slug}/cases/{case.public_id}"))
    assert "· Englisch</span>" in html and "· English</span>" not in html
    form = html_of(client.get(f"/t/{tenant.slug}/cases/new"))
    assert ">Englisch</option>" in form and ">Deutsch</option>" in form


def test_numbers_in_messages_follow_the_reader(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert number(10_000) == "10.000"
        with pytest.raises(ValidationError) as refused:
            SendSchema().load({"case": "x", "channel": "joint", "client_id": "c1", "text": "a" * 10_001})
        assert "10.000" in str(refused.value) and "10.001" in str(refused.value)
        assert "2,5" in _refusal_message(Refused("too_large", max_bytes=int(2.5 * 1024 * 1024)))
        with pytest.raises(ValidationFailed) as too_long:
            check_template("rejection", "Subject", "y" * 20_001)
        assert "20.000" in str(too_long.value.fields)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "2.5" in _refusal_message(Refused("too_large", max_bytes=int(2.5 * 1024 * 1024)))


def test_the_limit_of_the_amount_is_money_in_the_reader_format(app):
    with app.test_request_context(headers={"Accept-Language": "de"}):
        results = {r.rule: r for r in evaluate(a_case(amount_minor=44_500_001), {}, date(2026, 3, 2))}
        reason = results["amount_within_limit"].reason
        assert reason == "Der Streitwert liegt über der Höchstgrenze von 445.000,00\xa0£."
