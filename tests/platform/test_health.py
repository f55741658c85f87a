"""Health checks and the front door."""

from __future__ import annotations


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_unknown_tenant_is_a_404_page_in_the_layout(client):
    response = client.get("/t/no-such-provider/sign-in")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'id="main"' in html
