"""SQLite writers of one process take turns on a lock: handed on at commit, rollback or close."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from odr.platform.db import make_engine, write_intent


def test_writers_queue_and_every_way_out_of_a_transaction_hands_the_turn_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    order: list[str] = []
    first_in = threading.Event()
    release_first = threading.Event()

    def first() -> None:
        with write_intent(), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            order.append("first wrote")
            first_in.set()
            release_first.wait(30)
            order.append("first commits")

    def second() -> None:
        first_in.wait(30)
        with write_intent(), engine.begin() as conn:
            order.append("second began")
            conn.execute(text("INSERT INTO t VALUES (2)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_in.wait(30)
    release_first.set()
    for thread in threads:
        thread.join(60)
    assert order == ["first wrote", "first commits", "second began"]

    # A rollback, and a connection closed with its transaction open, hand the turn on too.
    with write_intent():
        conn = engine.connect()
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (3)"))
        conn.rollback()
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (4)"))
        conn.close()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (5)"))
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2, 5]
    engine.dispose()
