"""In-process cost of a signed-in dashboard and of a room send, for the source tree it runs in.

Run from a tree's root with that tree first on the path, so two commits can be compared in one
sitting (a worktree of the older one beside this one, run alternately):

    PYTHONPATH=. .venv/bin/python bench/inprocess.py 300

It makes a fresh SQLite database with the demo tenant, signs the mediator in through the sign-in
page, then times N dashboard requests through Flask's test client and N messages posted through
the room's service (each committed), after 30 of each to warm up, and prints the medians in ms.
It finds the app factory and the Case model where older commits kept them too.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

WARMUP = 30


def _settings_env() -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ.update({
        "ODR_INSTANCE_PATH": str(tmp), "ODR_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        "ODR_JOBS_URL": "memory://", "ODR_LOG_LEVEL": "WARNING", "ODR_RATELIMIT_SIGNIN": "10000 per minute",
    })


def _imports() -> tuple[Any, Any]:
    try:
        from odr.app import create_app
        from odr.mediation.core.models import Case
    except ImportError:  # commits before the kernel (#11)
        from odr.mediation.cases.models import Case  # type: ignore[no-redef]
        from odr.platform.app import create_app  # type: ignore[no-redef]
    return create_app, Case


def _signed_in(app: Any) -> Any:
    client = app.test_client()
    html = client.get("/t/harbour/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    answer = client.post("/t/harbour/sign-in", data={
        "csrf_token": token, "email": "mediator@harbour.example", "password": "harbour-demo-2026"})
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in answered {answer.status_code}")
    return client


def _dashboard(client: Any, n: int) -> float:
    times = []
    for i in range(n + WARMUP):
        start = time.perf_counter()
        if client.get("/t/harbour/").status_code != 200:
            raise RuntimeError("the dashboard did not answer 200")
        if i >= WARMUP:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _sends(app: Any, case_model: Any, n: int) -> float:
    from sqlalchemy import select

    from odr.mediation.rooms import services as rooms
    from odr.platform.extensions import db
    from odr.platform.tenancy import set_tenant
    from odr.tenants.models import User

    times = []
    with app.test_request_context():
        session = db.session
        user = session.scalar(select(User).where(User.email == "mediator@harbour.example"))
        set_tenant(session, user.tenant_id)
        case = session.scalar(select(case_model).where(case_model.mediator_id == user.id))
        for i in range(n + WARMUP):
            start = time.perf_counter()
            rooms.post_message(session, user, case, {"channel": "joint", "client_id": uuid.uuid4().hex,
                                                     "text": f"hello {i}"})
            session.commit()
            if i >= WARMUP:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print the medians of ``argv[1]`` (default 300) dashboards and sends as JSON."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    _settings_env()
    create_app, case_model = _imports()
    import flask_migrate

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path.cwd() / "migrations"))
    result = app.test_cli_runner().invoke(args=["demo"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    client = _signed_in(app)
    print(json.dumps({"dashboard_ms": _dashboard(client, n), "send_ms": _sends(app, case_model, n)}))


if __name__ == "__main__":
    main()
