"""Event kinds: every kind written is declared by the capability that writes it, reads as words
in every shipped language, and a kind nobody declared cannot be written at all."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from odr.mediation.cases import services as cases
from odr.mediation.core.events import JOINT, STAFF, append_event
from odr.mediation.core.kinds import EventKinds, describe, register_kinds, registered
from odr.platform.i18n import LANGUAGES
from odr.platform.tenancy import set_tenant
from tests.mediation.case_helpers import referral

ODR = Path(__file__).resolve().parents[2] / "odr"
TESTS_OWN = {"note.added"}  # tests/conftest.py declares it for chains whose content does not matter


def _kind_arguments() -> list[tuple[str, int, ast.expr]]:
    """The third argument of every ``append_event(...)`` call in the code, with where it is."""
    found = []
    for path in ODR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "append_event" and len(node.args) >= 3:
                found.append((str(path.relative_to(ODR)), node.lineno, node.args[2]))
    return found


def test_every_write_names_a_declared_constant_not_a_string_of_its_own():
    calls = _kind_arguments()
    assert len(calls) >= 20
    literal = [(path, line) for path, line, arg in calls if isinstance(arg, ast.Constant)]
    assert literal == [], "write a kind through the constant its capability declared"


def test_every_declared_kind_reads_as_words_in_every_language(app, session, tenant, people):
    set_tenant(session, tenant.id)
    with app.test_request_context():
        case, _created = cases.refer(session, people["insurer_agent"], referral())
        kinds = {name: kind for name, kind in registered().items() if name not in TESTS_OWN}
        assert len(kinds) >= 20
        for code in LANGUAGES:
            with force_locale(code):
                for name in kinds:
                    title, detail = describe(name, {}, case)
                    assert title and title != name, (code, name)
                    assert isinstance(detail, str)


def test_a_kind_nobody_declared_cannot_be_written_and_nothing_is_written(app, session, tenant, people):
    set_tenant(session, tenant.id)
    with app.test_request_context():
        case, _created = cases.refer(session, people["insurer_agent"], referral())
        before = case.last_seq
        with pytest.raises(ValueError, match="never declared"):
            append_event(session, case, "made.up", actor=None)
        assert case.last_seq == before


def test_a_kind_is_written_only_in_its_declared_channels(app, session, tenant, people):
    set_tenant(session, tenant.id)
    with app.test_request_context():
        case, _created = cases.refer(session, people["insurer_agent"], referral())
        with pytest.raises(ValueError, match="not written in channel"):
            append_event(session, case, "deadline.reminder", actor=None, channel=JOINT)
        append_event(session, case, "deadline.reminder", actor=None, channel=STAFF, payload={"party": "insurer"})


def test_a_declaration_is_checked_and_registering_again_changes_nothing():
    kinds = EventKinds()
    kinds.declare("test.once", lambda payload, case: ("Once", ""))
    with pytest.raises(ValueError, match="declared twice"):
        kinds.declare("test.once", lambda payload, case: ("Twice", ""))
    with pytest.raises(ValueError, match="unknown channels"):
        EventKinds().declare("test.nowhere", lambda payload, case: ("", ""), channels=("lobby",))
    register_kinds(kinds)
    register_kinds(kinds)
    rival = EventKinds()
    rival.declare("test.once", lambda payload, case: ("Other", ""))
    with pytest.raises(ValueError, match="registered twice"):
        register_kinds(rival)
