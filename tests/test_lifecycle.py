"""Runs that never lie and never lose work: failures and kills are recorded as such, divergence
stops training, resumes that would train something else are refused, every checkpoint byte is
verified with a fallback to the previous one, names and exports stay where they belong, a broken
store says so in one line, and devices resolve or fail clearly."""

import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace

import pytest
import torch

from llmlab.errors import LlmlabError
from llmlab.infer.generate import generate
from llmlab.nn.config import ModelConfig
from llmlab.nn.device import resolve_device
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train import runs
from llmlab.train.checkpoint import checkpoint_dirs, latest_checkpoint, load_latest, verify
from llmlab.train.corpus import Split
from llmlab.train.export import export_hf
from llmlab.train.loop import train
from llmlab.train.presets import TrainConfig
from llmlab.train.runs import RunStore
from llmlab.train.tokenizer import train_tokenizer
from textgen import corpus

MODEL = ModelConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                    num_key_value_heads=1, max_position_embeddings=64)
SETTINGS = TrainConfig(steps=4, batch_size=4, seq_len=16, warmup=2, eval_every=2, eval_batches=2, checkpoint_every=2)


@pytest.fixture(scope="module")
def text() -> Split:
    lines = corpus(1200)
    cut = int(len(lines) * 0.9)
    return Split(lines[:cut], lines[cut:])


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs")


def run(store: RunStore, text: Split, name: str = "r", cfg: TrainConfig = SETTINGS, model: ModelConfig = MODEL,
        **options) -> dict:
    return train(name, store, model, cfg, lambda: text, progress=False, **options)


def status(store: RunStore, name: str) -> dict:
    return next(s for s in store.summaries() if s["name"] == name)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def set_row(store: RunStore, name: str, **columns) -> None:
    with sqlite3.connect(store.path) as db:
        for column, value in columns.items():
            db.execute(f"UPDATE runs SET {column} = ? WHERE name = ?", (value, name))


# ---------------------------------------------------------------- the run's recorded state


@pytest.mark.parametrize("failure", [LlmlabError("--data 'x' is too small"), RuntimeError("disk on fire")])
def test_a_run_that_fails_to_start_is_recorded_failed_with_its_error(store, failure):
    def load_text() -> Split:
        raise failure

    with pytest.raises(type(failure), match=str(failure)):
        train("broken", store, MODEL, SETTINGS, load_text, progress=False)
    summary = status(store, "broken")
    assert summary["status"] == "failed" and summary["error"] == str(failure)


def test_an_interrupted_run_is_recorded_stopped(store):
    def load_text() -> Split:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("interrupted", store, MODEL, SETTINGS, load_text, progress=False)
    assert status(store, "interrupted")["status"] == "stopped"


def test_a_killed_run_reads_stopped_and_a_live_one_running(store):
    store.create("live", "custom", {})
    assert status(store, "live")["status"] == "running"
    store.create("killed", "custom", {})
    set_row(store, "killed", pid=dead_pid())
    assert status(store, "killed")["status"] == "stopped"
    store.create("silent", "custom", {})  # this very process, but no heartbeat for too long
    set_row(store, "silent", heartbeat=time.time() - runs.HEARTBEAT_TIMEOUT_S - 1)
    assert status(store, "silent")["status"] == "stopped"
    store.log("live", 1, "train", 1.0)
    assert status(store, "live")["status"] == "running"


def test_a_run_another_live_process_trains_is_not_taken_over(store):
    store.create("busy", "custom", {})
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        set_row(store, "busy", pid=other.pid)
        with pytest.raises(LlmlabError, match=f"being trained by process {other.pid}"):
            store.start("busy", {})
    finally:
        other.kill()
        other.wait()
    store.start("busy", {})  # its process is gone: the run may be resumed
    assert status(store, "busy")["status"] == "running"


def test_an_old_database_gains_the_lifecycle_columns(tmp_path):
    (tmp_path / "runs").mkdir()
    with sqlite3.connect(tmp_path / "runs" / "runs.sqlite") as db:
        db.execute("CREATE TABLE runs (name TEXT PRIMARY KEY, created REAL, updated REAL, status TEXT, preset TEXT, "
                   "config TEXT)")
        db.execute("INSERT INTO runs VALUES ('old', 0, 0, 'running', 'tiny', '{}')")
    store = RunStore(tmp_path / "runs")
    assert status(store, "old")["status"] == "stopped"  # never heartbeat: it cannot still be running
    store.create("new", "custom", {})
    assert status(store, "new")["status"] == "running"


def test_non_finite_loss_stops_the_run_as_diverged(store, text):
    with pytest.raises(LlmlabError, match=r"loss became (nan|inf) at step \d+: lower --lr"):
        run(store, text, "hot", replace(SETTINGS, lr=1e30, warmup=1, steps=20))
    summary = status(store, "hot")
    assert summary["status"] == "diverged" and "lower --lr" in summary["error"]
    assert summary["steps"] < 20


# ---------------------------------------------------------------- resuming


def test_training_logs_mfu_at_each_evaluation(store, text):
    result = run(store, text)
    mfu = store.metrics("r", "mfu")
    assert [step for step, _ in mfu] == [2, 4]
    assert all(0 < value < 1 for _, value in mfu) and result["mfu"] == mfu[-1][1]
    assert result["device"] == "cpu" and status(store, "r")["status"] == "done"


def test_steps_at_or_below_the_current_step_are_refused(store, text):
    run(store, text)
    for steps in (4, 2):
        with pytest.raises(LlmlabError, match="already at step 4: pass --steps above 4"):
            run(store, text, cfg=replace(SETTINGS, steps=steps))
    assert status(store, "r")["status"] == "done"


def test_other_settings_are_refused_and_forcing_records_what_ran(store, text):
    run(store, text)
    changed = replace(SETTINGS, steps=6, lr=1e-2, seq_len=8)
    with pytest.raises(LlmlabError, match=r"other settings \(train.seq_len 16 -> 8; train.lr 0.003 -> 0.01\)"):
        run(store, text, cfg=changed)
    assert store.config("r")["train"]["lr"] == SETTINGS.lr and status(store, "r")["status"] == "done"
    run(store, text, cfg=changed, force=True)
    recorded = store.config("r")["train"]
    assert (recorded["lr"], recorded["seq_len"], recorded["steps"]) == (1e-2, 8, 6)
    assert [h["config"]["train"]["lr"] for h in store.config_history("r")] == [SETTINGS.lr]
    assert [s for s, _ in store.metrics("r", "train")] == list(range(1, 7))


def test_forcing_a_model_change_keeps_the_weights_or_refuses_another_shape(store, text):
    run(store, text)
    with pytest.raises(LlmlabError, match="model.hidden_size 32 -> 64"):
        run(store, text, cfg=replace(SETTINGS, steps=6), model=replace(MODEL, hidden_size=64), force=True)
    run(store, text, cfg=replace(SETTINGS, steps=6), model=replace(MODEL, rope_theta=500.0), force=True)
    assert load_latest(store.run_dir("r")).model.config.rope_theta == 500.0
    assert store.config("r")["model"]["rope_theta"] == 500.0


# ---------------------------------------------------------------- checkpoints


def test_a_flipped_bit_in_state_json_is_caught_and_the_previous_checkpoint_used(store, text, capsys):
    run(store, text)
    newest, previous = checkpoint_dirs(store.run_dir("r"))
    state = newest / "state.json"
    state.write_text(state.read_text().replace('"index": ', '"index": 1'))  # a different data position
    with pytest.raises(LlmlabError, match="state.json does not match its hash"):
        verify(newest)
    checkpoint = load_latest(store.run_dir("r"))
    assert checkpoint.step == 2 and checkpoint.path == previous
    assert "warning:" in capsys.readouterr().err


def test_a_corrupt_newest_checkpoint_falls_back_and_training_redoes_its_steps(store, text, capsys):
    run(store, text)
    newest, _ = checkpoint_dirs(store.run_dir("r"))
    weights = newest / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    assert latest_checkpoint(store.run_dir("r")).name == "step-0000002"
    run(store, text, cfg=replace(SETTINGS, steps=6))
    assert "model.safetensors does not match its hash; using step-0000002" in capsys.readouterr().err
    assert [p.name for p in checkpoint_dirs(store.run_dir("r"))] == ["step-0000006", "step-0000004"]
    assert verify(newest)["step"] == 4


def test_a_missing_latest_pointer_resumes_from_the_newest_checkpoint(store, text):
    run(store, text)
    folder = store.run_dir("r") / "checkpoints"
    (folder / "latest").unlink()
    written = (folder / "step-0000004" / "state.json").stat().st_mtime_ns
    run(store, text, cfg=replace(SETTINGS, steps=6))
    assert (folder / "step-0000004" / "state.json").stat().st_mtime_ns == written  # not retrained from step 0
    assert (folder / "latest").read_text() == "step-0000006"


def test_no_valid_checkpoint_at_all_is_an_error(store, text):
    run(store, text)
    for folder in checkpoint_dirs(store.run_dir("r")):
        (folder / "optimizer.pt").write_bytes(b"")
    with pytest.raises(LlmlabError, match="no valid checkpoint .* all 2 are corrupted"):
        run(store, text, cfg=replace(SETTINGS, steps=6))


# ---------------------------------------------------------------- names, exports and the store


@pytest.mark.parametrize("name", ["../escape", "/etc", "a/b", ".hidden", "-flag", "", "x" * 101, "naïve", "a b"])
def test_run_names_must_stay_one_plain_folder(store, name):
    with pytest.raises(LlmlabError, match="is not allowed"):
        store.run_dir(name)
    with pytest.raises(LlmlabError, match="is not allowed"):
        store.create(name, "custom", {})


def test_plain_run_names_are_accepted(store):
    assert store.run_dir("tiny-2026.01_a").name == "tiny-2026.01_a"


@pytest.fixture
def exportable(tmp_path):
    tokenizer = tmp_path / "tokenizer.json"
    train_tokenizer([corpus(200)], MODEL.vocab_size, tokenizer)
    return LlmlabForCausalLM(MODEL), tokenizer


def test_export_writes_a_new_folder_and_refuses_to_clobber_one(exportable, tmp_path):
    model, tokenizer = exportable
    out = tmp_path / "hf"
    assert export_hf(model, tokenizer, out) == "llama"
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
    with pytest.raises(LlmlabError, match="is not empty: .* --force"):
        export_hf(model, tokenizer, out)
    (out / "README.md").write_text("mine")
    export_hf(model, tokenizer, out, force=True)
    assert (out / "README.md").read_text() == "mine"
    with pytest.raises(LlmlabError, match="is a file"):
        export_hf(model, tokenizer, out / "config.json")
    with pytest.raises(LlmlabError, match="export folder is empty"):
        export_hf(model, tokenizer, "")
    (tmp_path / "empty").mkdir()
    export_hf(model, tokenizer, tmp_path / "empty")
    assert (tmp_path / "empty" / "model.safetensors").exists()


def one_line_error(make) -> str:
    with pytest.raises(LlmlabError) as caught:
        make()
    message = str(caught.value)
    assert "\n" not in message and "--runs-dir" in message
    return message


def test_a_broken_store_is_one_clear_line(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    assert "is, or lies inside, a file" in one_line_error(lambda: RunStore(tmp_path / "file"))
    assert "is, or lies inside, a file" in one_line_error(lambda: RunStore(tmp_path / "file", create=False))
    (tmp_path / "dir-db" / "runs.sqlite").mkdir(parents=True)
    assert "is a folder, not a database" in one_line_error(lambda: RunStore(tmp_path / "dir-db"))
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "runs.sqlite").write_bytes(b"this is no database " * 100)
    assert "file is not a database" in one_line_error(lambda: RunStore(tmp_path / "corrupt"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_runs_folder_is_one_clear_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    one_line_error(lambda: RunStore(locked))


def test_a_store_opened_without_create_makes_nothing(tmp_path):
    store = RunStore(tmp_path / "absent", create=False)
    assert store.summaries() == [] and store.metrics("x", "train") == [] and store.result("x", "y") is None
    with pytest.raises(LlmlabError, match="unknown run"):
        store.config("x")
    assert not (tmp_path / "absent").exists()
    RunStore(tmp_path / "absent").create("x", "custom", {"a": 1})
    assert RunStore(tmp_path / "absent", create=False).config("x") == {"a": 1}


# ---------------------------------------------------------------- devices


def test_devices_resolve_or_fail_with_one_clear_line():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cuda", "mps", "cpu")
    for bad in ("gpu", "meta"):
        with pytest.raises(LlmlabError, match="--device"):
            resolve_device(bad)
    if not torch.cuda.is_available():
        with pytest.raises(LlmlabError, match="'cuda' is not available: .* --device"):
            resolve_device("cuda")


def test_generation_on_an_explicit_device_matches_auto():
    torch.manual_seed(0)
    model = LlmlabForCausalLM(replace(MODEL, sliding_window=4))  # exercises a mask built on the device
    prompt = [5, 6, 7, 8, 9, 10]
    assert generate(model, prompt, 8, 0.0, device="cpu") == generate(model, prompt, 8, 0.0)
    assert len(generate(model, prompt, 8, 0.9, top_k=20, seed=1, device="cpu")) == 8
