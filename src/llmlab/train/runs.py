"""The run store: one embedded SQLite database per runs folder, recording each run's config,
metrics, checkpoints and lifecycle. Only this module speaks SQL.

A run's status is what its training process last wrote — running, done, failed, diverged or
stopped — except that a 'running' run whose process is gone reads as 'stopped': a SIGKILL leaves
no chance to write anything, so the store keeps the trainer's PID, host and a heartbeat (renewed
with every metric logged) and judges liveness when asked.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from llmlab.errors import LlmlabError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    name TEXT PRIMARY KEY, created REAL, updated REAL, status TEXT, preset TEXT, config TEXT);
CREATE TABLE IF NOT EXISTS metrics (
    run TEXT, step INTEGER, kind TEXT, value REAL, tokens_per_s REAL, lr REAL,
    PRIMARY KEY (run, step, kind));
CREATE TABLE IF NOT EXISTS checkpoints (run TEXT, step INTEGER, path TEXT, created REAL, PRIMARY KEY (run, step));
CREATE TABLE IF NOT EXISTS results (run TEXT, name TEXT, created REAL, body TEXT, PRIMARY KEY (run, name));
CREATE TABLE IF NOT EXISTS config_history (run TEXT, replaced REAL, config TEXT);
"""
# Columns added to `runs` after the first release; older databases gain them when opened.
LIFECYCLE_COLUMNS = {"pid": "INTEGER", "host": "TEXT", "heartbeat": "REAL", "error": "TEXT"}

HEARTBEAT_TIMEOUT_S = 30 * 60
"""A 'running' run silent for this long reads as 'stopped' even if its PID exists (the PID may have
been reused, or the run lives on another host where the PID cannot be checked). Generous because
building the tokenizer or a long evaluation logs nothing for a while."""

RUN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")


def default_runs_dir() -> Path:
    """Where runs live unless the user says otherwise: $LLMLAB_HOME, else ./runs."""
    return Path(os.environ.get("LLMLAB_HOME") or "runs")


def check_run_name(name: str) -> str:
    """Run names become folder names, so they must stay one plain component inside the runs folder."""
    if not RUN_NAME.fullmatch(name):
        raise LlmlabError(f"run name {name!r} is not allowed: use 1-100 letters, digits, '.', '_' or '-', "
                          "not starting with '.' or '-'")
    return name


def _alive(pid: int | None, host: str | None, heartbeat: float | None) -> bool:
    """Whether the process recorded as training a run still is: its heartbeat is recent and, on this
    host, the PID exists."""
    if heartbeat is None or time.time() - heartbeat > HEARTBEAT_TIMEOUT_S:
        return False
    if pid is None or host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        pass
    return True


class RunStore:
    """``create=False`` opens an existing store read-only in spirit: it makes no folder or database,
    and reads from a store that does not exist yet return nothing."""

    def __init__(self, root: Path, create: bool = True) -> None:
        self.root = Path(root)
        self.path = self.root / "runs.sqlite"
        self._create = create
        if self.root.exists() and not self.root.is_dir():  # reading too: "no runs" would hide the mistake
            raise LlmlabError(f"the runs folder {self.root} is, or lies inside, a file: pass another --runs-dir")
        if create:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise LlmlabError(f"the runs folder {self.root} is, or lies inside, a file: pass another --runs-dir"
                                  ) from None
            except OSError as error:
                raise LlmlabError(f"cannot create the runs folder {self.root} ({error.strerror}): "
                                  "pass a writable --runs-dir") from None
        if self.path.exists() or create:
            with self._db() as db:
                db.executescript(SCHEMA)
                self._migrate(db)

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")  # two processes opening an old database add each column once
        present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        for column, kind in LIFECYCLE_COLUMNS.items():
            if column not in present:
                db.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
        db.commit()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection in a transaction; database and file-system failures become one-line errors.
        Without ``create``, a missing database is an error rather than silently made."""
        target = str(self.path) if self._create else self.path.resolve().as_uri() + "?mode=rw"
        try:
            db = sqlite3.connect(target, timeout=30, uri=not self._create)
            try:
                with db:
                    db.execute("PRAGMA journal_mode=WAL")
                    yield db
            finally:
                db.close()
        except (sqlite3.Error, OSError) as error:
            problem = "is a folder, not a database" if self.path.is_dir() else str(error)
            raise LlmlabError(f"cannot use the run store {self.path} ({problem}): move it aside or pass another "
                              "--runs-dir") from None

    def _read(self, query: str, params: tuple = ()) -> list[tuple]:
        if not self.path.exists():  # only without create: nothing recorded yet
            return []
        with self._db() as db:
            return db.execute(query, params).fetchall()

    def run_dir(self, name: str) -> Path:
        return self.root / check_run_name(name)

    def create(self, name: str, preset: str, config: dict) -> None:
        """Record a new run as running in this process; an existing run is left as it is."""
        check_run_name(name)
        now = time.time()
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO runs (name, created, updated, status, preset, config, pid, host, "
                       "heartbeat) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                       (name, now, now, preset, json.dumps(config), os.getpid(), socket.gethostname(), now))

    def start(self, name: str, config: dict[str, Any]) -> None:
        """Claim a run for this process as running with ``config`` merged into its recorded config;
        a config that changes is kept in the history first. Refuses a run another live process trains."""
        self.create(name, "custom", config)  # for a caller that did not record the run first
        now = time.time()
        with self._db() as db:
            status, pid, host, heartbeat, recorded = db.execute(
                "SELECT status, pid, host, heartbeat, config FROM runs WHERE name = ?", (name,)).fetchone()
            if status == "running" and pid != os.getpid() and _alive(pid, host, heartbeat):
                raise LlmlabError(f"run {name!r} is being trained by process {pid} on {host}: "
                                  "wait for it to finish or stop it first")
            old = json.loads(recorded)
            new = {**old, **config}
            if new != old:
                db.execute("INSERT INTO config_history VALUES (?, ?, ?)", (name, now, recorded))
            db.execute("UPDATE runs SET status = 'running', error = NULL, config = ?, pid = ?, host = ?, "
                       "heartbeat = ?, updated = ? WHERE name = ?",
                       (json.dumps(new), os.getpid(), socket.gethostname(), now, now, name))

    def set_status(self, name: str, status: str, error: str | None = None) -> None:
        with self._db() as db:
            db.execute("UPDATE runs SET status = ?, error = ?, updated = ? WHERE name = ?",
                       (status, error, time.time(), name))

    def fail(self, name: str, error: str, status: str = "failed") -> None:
        """Mark the run ``status`` with ``error`` if this process is still recorded as running it,
        so an earlier verdict (diverged) or another process's run is never overwritten."""
        with self._db() as db:
            db.execute("UPDATE runs SET status = ?, error = ?, updated = ? "
                       "WHERE name = ? AND status = 'running' AND pid = ?",
                       (status, error, time.time(), name, os.getpid()))

    @contextmanager
    def recording(self, name: str, enabled: bool = True) -> Iterator[None]:
        """Whatever escapes the block marks the run failed (Ctrl+C: stopped) before propagating, so
        no run stays 'running' after its process gave up."""
        try:
            yield
        except BaseException as error:
            if enabled:
                interrupted = isinstance(error, KeyboardInterrupt)
                self.fail(name, str(error) or type(error).__name__, "stopped" if interrupted else "failed")
            raise

    def log(self, name: str, step: int, kind: str, value: float, tokens_per_s: float | None = None,
            lr: float | None = None) -> None:
        """Record a metric; it also renews the run's heartbeat."""
        now = time.time()
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?, ?, ?)",
                       (name, step, kind, value, tokens_per_s, lr))
            db.execute("UPDATE runs SET heartbeat = ? WHERE name = ?", (now, name))

    def checkpoint(self, name: str, step: int, path: Path) -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)", (name, step, str(path), time.time()))

    def put_result(self, name: str, key: str, body: dict) -> None:
        """A structured measurement of a run (e.g. the reasoning evaluation), replacing any earlier one."""
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", (name, key, time.time(), json.dumps(body)))

    def result(self, name: str, key: str) -> dict | None:
        rows = self._read("SELECT body FROM results WHERE run = ? AND name = ?", (name, key))
        return json.loads(rows[0][0]) if rows else None

    def config(self, name: str) -> dict:
        rows = self._read("SELECT config FROM runs WHERE name = ?", (name,))
        if not rows:
            raise LlmlabError(f"unknown run {name!r}: see `llmlab runs` for the runs in {self.root}")
        return json.loads(rows[0][0])

    def recorded(self, name: str) -> tuple[str, dict] | None:
        """The preset and settings a run was created with, or None for a name not used yet."""
        rows = self._read("SELECT preset, config FROM runs WHERE name = ?", (name,))
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def config_history(self, name: str) -> list[dict]:
        """The configs a run had before a forced resume replaced them, oldest first."""
        rows = self._read("SELECT replaced, config FROM config_history WHERE run = ? ORDER BY replaced", (name,))
        return [{"replaced": replaced, "config": json.loads(config)} for replaced, config in rows]

    def metrics(self, name: str, kind: str) -> list[tuple[int, float]]:
        return self._read("SELECT step, value FROM metrics WHERE run = ? AND kind = ? ORDER BY step", (name, kind))

    def summaries(self) -> list[dict]:
        """Every run with its latest losses; a 'running' run whose process is gone reads 'stopped'."""
        query = """
            SELECT r.name, r.status, r.preset, r.created, r.error,
                   (SELECT value FROM metrics m WHERE m.run = r.name AND m.kind = 'train' ORDER BY step DESC LIMIT 1),
                   (SELECT value FROM metrics m WHERE m.run = r.name AND m.kind = 'val' ORDER BY step DESC LIMIT 1),
                   (SELECT MAX(step) FROM metrics m WHERE m.run = r.name AND m.kind = 'train'),
                   r.pid, r.host, r.heartbeat
            FROM runs r ORDER BY r.created"""
        keys = ("name", "status", "preset", "created", "error", "train_loss", "val_loss", "steps")
        summaries = []
        for *row, pid, host, heartbeat in self._read(query):
            summary = dict(zip(keys, row))
            if summary["status"] == "running" and not _alive(pid, host, heartbeat):
                summary["status"] = "stopped"
            summaries.append(summary)
        return summaries
