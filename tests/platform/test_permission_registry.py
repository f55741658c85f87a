"""The one ``can()`` and ``require()``, on rules of the test's own: who is refused before any rule is
asked, another tenant's target is not found rather than forbidden, and the registry of actions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from odr.platform import permissions
from odr.platform.errors import Forbidden, NotFound
from odr.platform.permissions import Action, Owned, Rules, can, register_rules, require

TENANT, OTHER_TENANT = 1, 2


@pytest.fixture
def registry(monkeypatch) -> dict[str, Action]:
    """An empty registry of actions for the test, the real one restored after it."""
    own: dict[str, Action] = {}
    monkeypatch.setattr(permissions, "_REGISTRY", own)
    return own


def user(**overrides: Any) -> Any:
    """A signed-in, active user of ``TENANT``."""
    values = {"id": 7, "tenant_id": TENANT, "role": "admin", "is_active": True, "is_authenticated": True}
    values.update(overrides)
    return SimpleNamespace(**values)


class Record:
    """A target that belongs to a tenant."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id

    def owning_tenant_id(self) -> int:
        return self.tenant_id


class Asked:
    """A rule that answers ``answer`` and keeps whom it was asked about."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[Any, Any]] = []

    def __call__(self, actor: Any, target: Any) -> Any:
        self.calls.append((actor, target))
        return self.answer


def _register(name: str, rule: Any, target: str = "record") -> Rules:
    rules = Rules()
    rules.rule(name, target=target, description=name)(rule)
    register_rules(rules)
    return rules


# can() -----------------------------------------------------------------------------------------------


def test_an_unknown_action_is_an_error_for_anyone(registry):
    with pytest.raises(KeyError, match="unknown action 'test.nothing'"):
        can(user(), "test.nothing")
    with pytest.raises(KeyError, match="test.nothing"):
        can(None, "test.nothing")


def test_the_rule_decides_for_an_active_signed_in_user_and_sees_the_target(registry):
    yes, no = Asked(True), Asked(False)
    _register("test.yes", yes)
    _register("test.no", no)
    record, me = Record(TENANT), user()
    assert can(me, "test.yes", record) is True
    assert can(me, "test.no", record) is False
    assert can(me, "test.yes") is True
    assert yes.calls == [(me, record), (me, None)]
    assert no.calls == [(me, record)]


def test_a_rules_answer_is_a_plain_boolean(registry):
    _register("test.truthy", Asked(["something"]))
    _register("test.falsy", Asked(0))
    assert can(user(), "test.truthy") is True
    assert can(user(), "test.falsy") is False


@pytest.mark.parametrize("who", [
    None,
    user(is_authenticated=False),
    SimpleNamespace(id=7, tenant_id=TENANT, role="admin", is_active=True),  # says nothing of signing in
    user(is_active=False),
], ids=["nobody", "anonymous", "not-a-session-user", "disabled"])
def test_nobody_anonymous_or_disabled_is_refused_without_asking_the_rule(registry, who):
    rule = Asked(True)
    _register("test.open", rule)
    assert can(who, "test.open") is False
    assert can(who, "test.open", Record(TENANT)) is False
    assert rule.calls == []


def test_another_tenants_target_is_refused_without_asking_the_rule(registry):
    rule = Asked(True)
    _register("test.open", rule)
    assert can(user(), "test.open", Record(OTHER_TENANT)) is False
    assert rule.calls == []


def test_a_target_that_belongs_to_no_tenant_is_left_to_the_rule(registry):
    rule = Asked(True)
    _register("test.open", rule)
    plain = {"tenant_id": OTHER_TENANT}  # no owning_tenant_id(): not a tenant's record
    assert not isinstance(plain, Owned) and isinstance(Record(TENANT), Owned)
    assert can(user(), "test.open", plain) is True
    assert rule.calls == [(user(), plain)]


def test_a_tenant_and_its_rows_are_owned_by_that_tenant(app, session, tenant, people):
    assert isinstance(tenant, Owned) and tenant.owning_tenant_id() == tenant.id
    agent = people["insurer_agent"]
    assert isinstance(agent, Owned) and agent.owning_tenant_id() == tenant.id
    assert agent.organisation.owning_tenant_id() == tenant.id


# require() -------------------------------------------------------------------------------------------


def test_require_lets_an_allowed_action_pass(registry):
    _register("test.yes", Asked(True))
    assert require(user(), "test.yes", Record(TENANT)) is None
    assert require(user(), "test.yes") is None


def test_require_forbids_what_the_user_may_see_but_not_do(registry):
    _register("test.no", Asked(False))
    for who, target in [(user(), Record(TENANT)), (user(), None), (None, Record(OTHER_TENANT)),
                        (user(is_active=False), Record(TENANT)), (None, None)]:
        with pytest.raises(Forbidden) as refused:
            require(who, "test.no", target)
        assert refused.value.message == "You are not allowed to do this."


def test_require_hides_another_tenants_record_as_not_found(registry):
    _register("test.yes", Asked(True))
    _register("test.no", Asked(False))
    for action in ("test.yes", "test.no"):
        with pytest.raises(NotFound) as hidden:
            require(user(), action, Record(OTHER_TENANT))
        assert hidden.value.message == "We could not find that."
    with pytest.raises(NotFound):
        require(user(is_active=False), "test.yes", Record(OTHER_TENANT))


def test_require_of_an_unknown_action_is_an_error(registry):
    with pytest.raises(KeyError):
        require(user(), "test.nothing")


# The registry ----------------------------------------------------------------------------------------


def test_an_action_keeps_its_name_target_rule_and_description():
    rules = Rules()

    def documented(actor: Any, target: Any) -> bool:
        """  Do the documented thing  """
        return True

    def undocumented(actor: Any, target: Any) -> bool:
        return True

    assert rules.rule("test.described", target="case", description="Said here")(documented) is documented
    rules.rule("test.documented")(documented)
    rules.rule("test.silent")(undocumented)
    assert list(rules) == [
        Action("test.described", "case", documented, "Said here"),
        Action("test.documented", "tenant", documented, "Do the documented thing"),
        Action("test.silent", "tenant", undocumented, ""),
    ]


def test_an_action_declared_twice_in_one_set_is_refused():
    rules = Rules()
    rules.rule("test.once")(Asked(True))
    with pytest.raises(ValueError, match="action 'test.once' is declared twice"):
        rules.rule("test.once")(Asked(False))
    assert [action.name for action in rules] == ["test.once"]


def test_registering_a_set_again_changes_nothing_and_a_rival_is_refused(registry):
    rules = _register("test.kept", Asked(True))
    first = registry["test.kept"]
    register_rules(rules)
    assert registry == {"test.kept": first}
    rival = Rules()
    rival.rule("test.kept")(Asked(False))
    with pytest.raises(ValueError, match="action 'test.kept' is registered twice"):
        register_rules(rival)
    assert registry["test.kept"] is first
    assert can(user(), "test.kept") is True


def test_actions_is_a_copy_the_caller_cannot_change(registry):
    _register("test.kept", Asked(True))
    permissions.actions().clear()
    assert set(permissions.actions()) == {"test.kept"}
