"""The record names people as "<name> (<role code>)"; pages show the role's word in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale

from odr.mediation.core.events import actor_label
from odr.mediation.core.labels import readable_label


def test_a_recorded_role_code_reads_as_the_role_in_the_readers_language(app, people):
    with app.test_request_context():
        recorded = actor_label(people["insurer_agent"])
        assert recorded.endswith("(insurer_agent)")
        name = people["insurer_agent"].full_name
        with force_locale("en"):
            assert readable_label(recorded) == f"{name} (Insurer agent)"
            assert readable_label("Mira (mediator), for the customer") == "Mira (Mediator), for the customer"
            assert readable_label("Robin (customer)") == "Robin (Customer)"
        with force_locale("de"):
            assert readable_label(recorded) == f"{name} (Vertreter/in des Versicherers)"
            assert readable_label("Cai (case_manager)") == "Cai (Fallmanager/in)"


def test_what_is_not_a_recorded_role_is_left_as_written(app):
    with app.test_request_context(), force_locale("en"):
        assert readable_label(None) == ""
        assert readable_label("system") == "system"
        assert readable_label("Ann (Mediator) Smith") == "Ann (Mediator) Smith"
        assert readable_label("Ann (surveyor)") == "Ann (surveyor)"
        assert readable_label("Ann (mediator) Smith") == "Ann (mediator) Smith"  # not at the end
