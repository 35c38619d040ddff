"""The run store: one embedded SQLite database per runs folder, recording each run's config,
metrics and checkpoints. Only this module speaks SQL."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from llmlab.errors import LlmlabError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY, created REAL, updated REAL, status TEXT, preset TEXT, config TEXT);
CREATE TABLE IF NOT EXISTS metrics (
    run TEXT, step INTEGER, kind TEXT, value REAL, tokens_per_s REAL, lr REAL,
    PRIMARY KEY (run, step, kind));
CREATE TABLE IF NOT EXISTS checkpoints (run TEXT, step INTEGER, path TEXT, created REAL, PRIMARY KEY (run, step));
CREATE TABLE IF NOT EXISTS results (run TEXT, name TEXT, created REAL, body TEXT, PRIMARY KEY (run, name));
"""


def default_runs_dir() -> Path:
    """Where runs live unless the user says otherwise: $LLMLAB_HOME, else ./runs."""
    return Path(os.environ.get("LLMLAB_HOME") or "runs")


class RunStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / "runs.sqlite"
        with closing(self._connect()) as db, db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def run_dir(self, name: str) -> Path:
        return self.root / name

    def create(self, name: str, preset: str, config: dict) -> None:
        now = time.time()
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR IGNORE INTO runs VALUES (?, ?, ?, 'running', ?, ?)",
                       (name, now, now, preset, json.dumps(config)))

    def set_status(self, name: str, status: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("UPDATE runs SET status = ?, updated = ? WHERE name = ?", (status, time.time(), name))

    def log(self, name: str, step: int, kind: str, value: float, tokens_per_s: float | None = None,
            lr: float | None = None) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?)",
                       (name, step, kind, value, tokens_per_s, lr))

    def checkpoint(self, name: str, step: int, path: Path) -> None:
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)", (name, step, str(path), time.time()))

    def put_result(self, name: str, key: str, body: dict) -> None:
        """A structured measurement of a run (e.g. the reasoning evaluation), replacing any earlier one."""
        with closing(self._connect()) as db, db:
            db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", (name, key, time.time(), json.dumps(body)))

    def result(self, name: str, key: str) -> dict | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT body FROM results WHERE run = ? AND name = ?", (name, key)).fetchone()
        return json.loads(row[0]) if row else None

    def config(self, name: str) -> dict:
        with closing(self._connect()) as db:
            row = db.execute("SELECT config FROM runs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise LlmlabError(f"unknown run {name!r}: see `llmlab runs` for the runs in {self.root}")
        return json.loads(row[0])

    def metrics(self, name: str, kind: str) -> list[tuple[int, float]]:
        with closing(self._connect()) as db:
            return db.execute("SELECT step, value FROM metrics WHERE run = ? AND kind = ? ORDER BY step",
                              (name, kind)).fetchall()

    def summaries(self) -> list[dict]:
        query = """
            SELECT r.name, r.status, r.preset, r.created,
                   (SELECT value FROM metrics m WHERE m.run = r.name AND m.kind = 'train' ORDER BY step DESC LIMIT 1),
                   (SELECT value FROM metrics m WHERE m.run = r.name AND m.kind = 'val' ORDER BY step DESC LIMIT 1),
                   (SELECT MAX(step) FROM metrics m WHERE m.run = r.name AND m.kind = 'train')
            FROM runs r ORDER BY r.created"""
        with closing(self._connect()) as db:
            rows = db.execute(query).fetchall()
        keys = ("name", "status", "preset", "created", "train_loss", "val_loss", "steps")
        return [dict(zip(keys, row)) for row in rows]
