"""The real-time gateway accepts a connection only with a signed-in session."""

from __future__ import annotations

from odr.platform.extensions import socketio
from odr.platform.gateway import ROOMS_NAMESPACE
from tests.conftest import sign_in


def test_connection_without_a_session_is_refused(app, client):
    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=client)
    assert not socket.is_connected(ROOMS_NAMESPACE)


def test_connection_with_the_page_session_is_accepted(app, client, tenant, people):
    sign_in(client, tenant, people["mediator"])
    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=client)
    assert socket.is_connected(ROOMS_NAMESPACE)
    socket.disconnect(namespace=ROOMS_NAMESPACE)


def test_staff_who_must_set_up_a_second_factor_cannot_connect_until_they_have(app, session, client, tenant, people):
    sign_in(client, tenant, people["mediator"])
    tenant.require_second_factor = True
    session.commit()
    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=client)
    assert not socket.is_connected(ROOMS_NAMESPACE)
    # Without the requirement the same session connects.
    tenant.require_second_factor = False
    session.commit()
    socket = socketio.test_client(app, namespace=ROOMS_NAMESPACE, flask_test_client=client)
    assert socket.is_connected(ROOMS_NAMESPACE)
    socket.disconnect(namespace=ROOMS_NAMESPACE)
