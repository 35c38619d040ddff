"""The CLI: every command's JSON equals the engine's numbers, and bad input exits 2 with one line."""

import json
import subprocess
import sys

import pytest

from llmlab.arch.features import resolve
from llmlab.arch.params import count_params
from llmlab.cli import main
from llmlab.laws.allocation import compute_optimal
from llmlab.laws.parametric import get_law


def run(capsys, *argv):
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_loss_accepts_suffixed_sizes(capsys):
    result = run_json(capsys, "loss", "--params", "70B", "--tokens", "1.4T")
    assert result["loss"] == pytest.approx(float(get_law("chinchilla").loss(70e9, 1.4e12)))
    assert run_json(capsys, "loss", "--params", "7e10", "--tokens", "1400e9")["loss"] == pytest.approx(result["loss"])


def test_optimal(capsys):
    result = run_json(capsys, "optimal", "--flops", "5.76e23", "--fit", "epoch2024")
    best = compute_optimal(get_law("epoch2024"), 5.76e23)
    assert result["params"] == pytest.approx(best.params)
    assert result["tokens_per_param"] == pytest.approx(best.tokens_per_param)
    assert set(result) >= {"params", "tokens", "loss", "tokens_per_param"}


def test_inference_optimal_and_isoflop(capsys):
    result = run_json(capsys, "inference-optimal", "--loss", "2.0", "--inference-tokens", "10T")
    assert result["inference_aware"]["params"] < result["compute_optimal"]["params"]
    curve = run_json(capsys, "isoflop", "--flops", "1e21", "--points", "11")
    assert len(curve["loss"]) == 11 and min(curve["loss"]) >= curve["optimum"]["loss"] - 1e-12


def test_params_from_catalog_and_from_a_config_file(capsys, tmp_path):
    by_name = run_json(capsys, "params", "mixtral-8x7b")
    assert by_name["total"] == count_params(resolve("mixtral-8x7b")[0]).total
    assert set(by_name["breakdown"]) >= {"embeddings", "attention", "experts", "router", "norms", "head"}
    path = tmp_path / "config.json"
    from llmlab import catalog

    path.write_text(json.dumps(catalog.model("qwen3-30b-a3b")["config"]))
    assert run_json(capsys, "params", str(path))["active"] == count_params(resolve("qwen3-30b-a3b")[0]).active
    assert run_json(capsys, "params", str(tmp_path))["total"] > 30e9  # a folder holding config.json


def test_memory_throughput_flops_cost_fit_catalog(capsys, chinchilla_csv):
    memory = run_json(capsys, "memory", "llama-3.1-8b", "--context", "128k", "--batch", "2", "--dtype", "bf16",
                      "--training")
    assert memory["context"] == 131072 and memory["kv_cache"] == 2 * 131072 * 131072  # binary K, as configs write it
    assert "training" in memory
    speed = run_json(capsys, "throughput", "llama-3.1-70b", "--gpu", "h100", "--gpus", "2")
    assert speed["fits"] and speed["gpus"] == 2 and speed["precision"] == "bf16"
    assert 0 < speed["expected"]["output_tokens_per_s"] < speed["bound"]["output_tokens_per_s"]
    flops = run_json(capsys, "flops", "mistral-7b-v0.1", "--context", "32k", "--pattern", "causal")
    assert flops["attention"] > run_json(capsys, "flops", "mistral-7b-v0.1", "--context", "32k")["attention"]
    cost = run_json(capsys, "cost", "--flops", "5.76e23", "--gpu", "h100", "--gpus", "1024", "--mfu", "0.4",
                    "--price", "2.5")
    assert cost["dollars"] == pytest.approx(5.76e23 / (989.4e12 * 0.4) / 3600 * 2.5)
    assert run_json(capsys, "cost", "--params", "70B", "--tokens", "1.4T", "--gpu", "a100")["flops"] == pytest.approx(
        6 * 70e9 * 1.4e12
    )
    fit = run_json(capsys, "fit", str(chinchilla_csv))
    assert fit["points"] == 240 and fit["E"] == pytest.approx(1.8172, rel=0.01)
    assert "h100" in run_json(capsys, "catalog", "gpus")


def test_throughput_takes_precisions_and_a_request_shape(capsys):
    """`llmlab throughput` serves a request shape at a weight and a KV precision and reports the roofline bound
    and the expected figure (fitted to published measurements) side by side, each as tokens/s, TTFT and TPOT."""
    base = ["throughput", "llama-3.1-8b", "--gpu", "h100", "--input-tokens", "2048", "--output-tokens", "512",
            "--batch", "16"]
    bf16 = run_json(capsys, *base)
    fp8 = run_json(capsys, *base, "--precision", "fp8", "--kv-precision", "fp8")
    assert (fp8["precision"], fp8["kv_precision"], fp8["compute"]) == ("fp8", "fp8", "fp8 tensor cores")
    for result in (bf16, fp8):
        assert result["input_tokens"] == 2048 and result["output_tokens"] == 512 and result["batch"] == 16
        bound, expected = result["bound"], result["expected"]
        assert set(bound) >= {"output_tokens_per_s", "ttft_s", "time_per_output_token_s"}
        assert expected["output_tokens_per_s"] < bound["output_tokens_per_s"]
        assert expected["ttft_s"] > bound["ttft_s"]
        assert expected["time_per_output_token_s"] > bound["time_per_output_token_s"]
        assert bound["output_tokens_per_s"] == pytest.approx(16 * bound["output_tokens_per_s_per_sequence"])
    assert fp8["expected"]["output_tokens_per_s"] > bf16["expected"]["output_tokens_per_s"]
    assert fp8["memory_per_gpu"]["kv_cache_gb"] == pytest.approx(bf16["memory_per_gpu"]["kv_cache_gb"] / 2)
    weight_only = run_json(capsys, *base, "--gpu", "a100", "--precision", "fp8")
    assert "weight-only" in weight_only["compute"]
    slow = run_json(capsys, *base, "--bandwidth-util", "0.5", "--mfu", "0.3")
    assert slow["factors"]["bandwidth_efficiency"] == 0.5 and slow["factors"]["mfu_low_precision"] == 0.3
    assert slow["expected"]["output_tokens_per_s"] < bf16["expected"]["output_tokens_per_s"]
    assert slow["bound"] == bf16["bound"]


def test_human_output_is_readable(capsys):
    code, out, _ = run(capsys, "params", "deepseek-v3")
    assert code == 0 and "breakdown:" in out and "active" in out


BAD_CSV_CASES = {
    "missing columns": ("N,loss\n1e9,2.5\n", "needs a header"),
    "non-numeric": ("N,D,loss\n1e9,abc,2.5\n", "not a number"),
    "empty": ("", "needs a header"),
}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["loss", "--params", "7B", "--tokens", "1T", "--fit", "nope"], "unknown fit"),
        (["loss", "--params", "0", "--tokens", "1T"], "at least 1"),
        (["loss", "--params=-7B", "--tokens", "1T"], "positive"),
        (["loss", "--params", "seven", "--tokens", "1T"], "not a number"),
        (["optimal", "--flops=-1e22"], "at least"),
        (["params", "gpt-9"], "unknown model"),
        (["params", "missing/config.json"], "does not exist"),
        (["throughput", "llama-3.1-8b", "--gpu", "tpu-v9"], "unknown GPU"),
        (["throughput", "llama-3.1-8b", "--gpus", "0"], "at least 1"),
        (["throughput", "llama-3.1-8b", "--gpus", "3"], "choose one of 1, 2, 4, 8"),
        (["throughput", "phi-4", "--gpus", "4"], "choose one of 1, 2"),
        (["throughput", "llama-3.1-8b", "--precision", "fp32"], "unknown precision"),
        (["throughput", "llama-3.1-8b", "--kv-precision", "int4"], "unknown KV-cache precision"),
        (["throughput", "llama-3.1-8b", "--input-tokens", "200k"], "exceeds"),
        (["cost", "--flops", "1e21", "--gpu", "h100", "--mfu", "2"], "mfu"),
        (["cost", "--gpu", "h100"], "--flops"),
        (["memory", "llama-3.1-8b", "--dtype", "fp3"], "invalid choice"),
        (["inference-optimal", "--inference-tokens", "1T"], "--loss"),
        (["fit", "nowhere.csv"], "does not exist"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as raised:
        code = main(argv)
        raise SystemExit(code)
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("case", sorted(BAD_CSV_CASES))
def test_malformed_csv_exits_2(capsys, tmp_path, case):
    text, message = BAD_CSV_CASES[case]
    path = tmp_path / "runs.csv"
    path.write_text(text)
    code, _, err = run(capsys, "fit", str(path))
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 5, '
         '"vocab_size": 10, "intermediate_size": 8}', "num_attention_heads"),
        ('{"model_type": "gpt2"}', "model_type"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_invalid_config_files_exit_2(capsys, tmp_path, content, message):
    path = tmp_path / "config.json"
    path.write_text(content)
    code, _, err = run(capsys, "params", str(path))
    assert code == 2 and message in err and err.count("\n") == 1


def test_console_script_runs_and_reports_errors_without_traceback():
    ok = subprocess.run([sys.executable, "-m", "llmlab.cli", "optimal", "--flops", "1e22", "--json"],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["flops"] == pytest.approx(1e22)
    bad = subprocess.run([sys.executable, "-m", "llmlab.cli", "params", "nope"], capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_importing_llmlab_and_the_engine_does_not_import_torch():
    code = ("import sys, llmlab, llmlab.laws.allocation, llmlab.laws.fitter, llmlab.arch.throughput, llmlab.cli; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
