"""Training the mini-LLM: loss goes down, a killed run resumes exactly, checkpoints are verified,
exports load in transformers, data parallelism runs under torchrun."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict

import pytest
import torch

from llmlab.cli import main
from llmlab.nn.config import ModelConfig
from llmlab.train.corpus import user_corpus
from llmlab.train.data import PackedBatches
from llmlab.train.loop import learning_rate, train
from llmlab.train.presets import PRESETS, TrainConfig
from llmlab.train.runs import RunStore
from textgen import corpus

MODEL = ModelConfig(vocab_size=384, hidden_size=48, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, max_position_embeddings=128)
SETTINGS = ["--batch-size", "8", "--seq-len", "32", "--eval-every", "50", "--checkpoint-every", "10", "--seed", "0"]
VALIDATION_THRESHOLD = 1.6  # nats per token; a 384-token uniform guess scores ln(384) = 5.95


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    (root / "corpus.txt").write_text(corpus())
    (root / "model.json").write_text(json.dumps(asdict(MODEL)))
    return root


def cli(workspace, *argv):
    return [sys.executable, "-m", "llmlab.cli", *argv, "--runs-dir", str(workspace / "runs")]


def train_args(workspace, name, steps):
    return ["train", "--model-json", str(workspace / "model.json"), "--data", str(workspace / "corpus.txt"),
            "--name", name, "--steps", str(steps), *SETTINGS]


@pytest.fixture(scope="module")
def trained(workspace):
    """One short run shared by the tests that need a trained model."""
    store = RunStore(workspace / "runs")
    cfg = TrainConfig(steps=200, batch_size=8, seq_len=32, eval_every=50, checkpoint_every=50, lr=3e-3, warmup=20)
    result = train("trained", store, MODEL, cfg, lambda: user_corpus(workspace / "corpus.txt"), progress=False)
    return store, result


@pytest.mark.slow
def test_training_lowers_validation_loss_below_the_threshold(trained):
    store, result = trained
    val = store.metrics("trained", "val")
    assert val[0][1] > val[-1][1]
    assert result["val_loss"] < VALIDATION_THRESHOLD
    assert store.metrics("trained", "val_bpb")[-1][1] > 0


@pytest.mark.slow
def test_killed_run_resumes_as_if_never_stopped(workspace):
    steps = 40
    subprocess.run(cli(workspace, *train_args(workspace, "straight", steps), "--json"), check=True,
                   capture_output=True)
    victim = subprocess.Popen(cli(workspace, *train_args(workspace, "killed", steps), "--json"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = workspace / "runs" / "runs.sqlite"
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.05)
        try:
            with sqlite3.connect(database) as db:
                done = db.execute("SELECT MAX(step) FROM metrics WHERE run = 'killed' AND kind = 'train'").fetchone()[0]
        except sqlite3.OperationalError:
            continue
        if done and done >= 23:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert done is not None and done < steps, "the run finished before it could be killed"
    assert {r["name"]: r["status"] for r in RunStore(workspace / "runs").summaries()}["killed"] == "stopped"
    subprocess.run(cli(workspace, *train_args(workspace, "killed", steps), "--json"), check=True, capture_output=True)
    store = RunStore(workspace / "runs")
    straight, resumed = store.metrics("straight", "train"), store.metrics("killed", "train")
    assert [s for s, _ in resumed] == list(range(1, steps + 1))
    assert [v for _, v in resumed] == pytest.approx([v for _, v in straight], abs=1e-6)


@pytest.mark.slow
def test_export_loads_in_transformers_and_generates_the_same_text(trained, workspace, capsys, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    runs, hf = str(workspace / "runs"), tmp_path / "hf"
    assert main(["export", "trained", "--hf", str(hf), "--runs-dir", runs, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_type"] == "llama"
    assert main(["generate", "trained", "--prompt", "The cat", "--max-new-tokens", "20", "--temperature", "0",
                 "--json", "--runs-dir", runs]) == 0
    ours = json.loads(capsys.readouterr().out)
    tokenizer = AutoTokenizer.from_pretrained(hf)
    model = AutoModelForCausalLM.from_pretrained(hf).eval()
    ids = tokenizer("The cat", return_tensors="pt").input_ids
    out = model.generate(ids, max_new_tokens=20, do_sample=False)
    theirs = tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
    assert ours["new_tokens"] > 0
    assert theirs == ours["text"]


def test_sampling_controls_and_runs_listing(trained, workspace, capsys):
    runs = str(workspace / "runs")
    argv = ["generate", "trained", "--prompt", "A dog", "--max-new-tokens", "12", "--temperature", "0.9",
            "--top-k", "20", "--top-p", "0.9", "--seed", "5", "--json", "--runs-dir", runs]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)["text"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["text"] == first  # same seed, same sample
    assert main(["runs", "--runs-dir", runs]) == 0
    listing = capsys.readouterr().out
    assert "trained" in listing and "done" in listing


def test_bad_input_exits_2_with_one_line(trained, workspace, tmp_path):
    runs = ["--runs-dir", str(workspace / "runs")]
    broken = workspace / "runs" / "broken"
    import shutil

    shutil.copytree(workspace / "runs" / "trained", broken)
    store = RunStore(workspace / "runs")
    store.create("broken", "custom", store.config("trained"))
    for checkpoint in (broken / "checkpoints").glob("step-*"):  # one corrupt checkpoint would fall back
        weights = checkpoint / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    (tmp_path / "bad.json").write_text(json.dumps({**asdict(MODEL), "num_key_value_heads": 3}))
    cases = [
        (["generate", "nope", "--prompt", "x", *runs], "unknown run"),
        (["generate", "broken", "--prompt", "x", *runs], "corrupted or truncated"),
        (["train", "--model-json", str(tmp_path / "bad.json"), "--data", str(workspace / "corpus.txt"), *runs],
         "num_key_value_heads"),
        (["train", "--data", str(tmp_path / "missing.txt"), *runs], "does not exist"),
        (["export", "nope", "--hf", str(tmp_path / "out"), *runs], "unknown run"),
        (["reason-eval", "--run", "trained", *runs], "is not a reasoning model"),
        (["reason", "What is 347 + 589?", "--run", "trained", *runs], "is not a reasoning model"),
    ]
    for argv, message in cases:
        result = subprocess.run([sys.executable, "-m", "llmlab.cli", *argv], capture_output=True, text=True)
        assert result.returncode == 2, (argv, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.slow
def test_data_parallel_training_under_torchrun(workspace):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "llmlab.cli", *train_args(workspace, "ddp", 12), "--json", "--runs-dir", str(workspace / "runs")]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    store = RunStore(workspace / "runs")
    losses = [v for _, v in store.metrics("ddp", "train")]
    assert len(losses) == 12 and losses[-1] < losses[0]
    assert (workspace / "runs" / "ddp" / "checkpoints" / "latest").exists()


def test_learning_rate_schedules():
    cosine = TrainConfig(steps=100, lr=1.0, warmup=10, min_lr_ratio=0.1)
    assert learning_rate(0, cosine) == pytest.approx(0.1)
    assert learning_rate(9, cosine) == pytest.approx(1.0)
    assert learning_rate(99, cosine) == pytest.approx(0.1, abs=1e-3)
    wsd = TrainConfig(steps=100, lr=1.0, warmup=10, schedule="wsd", decay_fraction=0.2)
    assert learning_rate(50, wsd) == 1.0 and learning_rate(79, wsd) == 1.0
    assert learning_rate(90, wsd) == pytest.approx(0.55)


def test_packed_batches_restore_exactly():
    tokens = torch.arange(5000).numpy()
    first = PackedBatches(tokens, 16, 4, seed=3)
    for _ in range(7):
        first.next()
    saved = first.state()
    expected = first.next()
    second = PackedBatches(tokens, 16, 4, seed=3)
    second.restore(saved)
    x, y = second.next()
    assert torch.equal(x, expected[0]) and torch.equal(y, expected[1])
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_presets_are_sized_as_documented():
    from llmlab.nn.model import LlmlabForCausalLM

    sizes = {name: LlmlabForCausalLM(model).num_parameters() for name, (model, _) in PRESETS.items()}
    assert 0.8e6 < sizes["tiny"] < 1.5e6
    assert 8e6 < sizes["small"] < 13e6
    assert PRESETS["moe-tiny"][0].num_local_experts in range(4, 9) and PRESETS["moe-tiny"][0].num_experts_per_tok == 2
