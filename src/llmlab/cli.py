"""``llmlab``: one entry point for every feature. Every command takes ``--json``.

Bad input exits with status 2 and one line on stderr saying what is wrong and how to fix it.
"""

from __future__ import annotations

import os

# libgomp's default spin-wait makes 2-thread torch 4-10x slower here; set before torch can load.
os.environ.setdefault("GOMP_SPINCOUNT", "0")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any, Callable, NoReturn, Sequence  # noqa: E402

from llmlab.errors import LlmlabError  # noqa: E402
from llmlab.units import human, parse_size  # noqa: E402


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _size(flag: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_size(text, flag)
        except LlmlabError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = flag
    return parse


def _count(flag: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = _size(flag)(text)
        if value != int(value):
            raise argparse.ArgumentTypeError(f"{flag} must be a whole number, got {text!r}")
        return int(value)

    parse.__name__ = flag
    return parse


def _fraction(flag: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _size(flag)(text)
        if value > 1:
            raise argparse.ArgumentTypeError(f"{flag} must be in (0, 1], got {text!r}")
        return value

    parse.__name__ = flag
    return parse


# ---------------------------------------------------------------- commands (each returns a dict)

def cmd_loss(args: argparse.Namespace) -> dict:
    from llmlab.laws.parametric import get_law

    law = get_law(args.fit)
    return {"loss": float(law.loss(args.params, args.tokens)), "params": args.params, "tokens": args.tokens,
            "fit": law.name, "params_convention": law.params_convention, "source": law.source}


def cmd_optimal(args: argparse.Namespace) -> dict:
    from llmlab.laws.allocation import compute_optimal, rule_of_thumb
    from llmlab.laws.parametric import get_law

    law = get_law(args.fit)
    best = compute_optimal(law, args.flops)
    return {**best.as_dict(), "fit": law.name,
            "rule_of_thumb_20_tokens_per_param": rule_of_thumb(law, args.flops).as_dict()}


def cmd_inference_optimal(args: argparse.Namespace) -> dict:
    from llmlab.laws.allocation import inference_aware
    from llmlab.laws.parametric import get_law

    law = get_law(args.fit)
    if args.loss is not None:
        target = args.loss
    elif args.params is not None and args.tokens is not None:
        target = float(law.loss(args.params, args.tokens))
    else:
        raise LlmlabError("give a target --loss, or the --params and --tokens of the model you would train")
    return {**inference_aware(law, target, args.inference_tokens).as_dict(), "fit": law.name}


def cmd_isoflop(args: argparse.Namespace) -> dict:
    import numpy as np

    from llmlab.laws.allocation import compute_optimal, isoflop_curve
    from llmlab.laws.parametric import get_law

    law = get_law(args.fit)
    best = compute_optimal(law, args.flops)
    params = best.params * np.logspace(-1.5, 1.5, args.points)
    return {"flops": args.flops, "fit": law.name, "params": params.tolist(),
            "tokens": (args.flops / (6 * params)).tolist(),
            "loss": isoflop_curve(law, args.flops, params).tolist(), "optimum": best.as_dict()}


def cmd_params(args: argparse.Namespace) -> dict:
    from llmlab.arch.config import load_config
    from llmlab.arch.params import count_params

    cfg, name = load_config(args.config)
    return {"model": name, "model_type": cfg.model_type, **count_params(cfg).as_dict()}


def cmd_flops(args: argparse.Namespace) -> dict:
    from llmlab.arch.config import load_config
    from llmlab.arch.flops import flops_per_token
    from llmlab.arch.patterns import AttentionPattern

    cfg, name = load_config(args.config)
    pattern = None
    if args.pattern:
        pattern = AttentionPattern(args.pattern, window=args.window, stride=args.stride, n_global=args.n_global)
    return {"model": name, **flops_per_token(cfg, args.context, pattern).as_dict(),
            "pattern": args.pattern or "per-layer from config"}


def cmd_memory(args: argparse.Namespace) -> dict:
    from llmlab.arch.config import load_config
    from llmlab.arch.memory import inference_memory, training_memory

    cfg, name = load_config(args.config)
    result = {"model": name, **inference_memory(cfg, args.context, args.batch, args.dtype).as_dict()}
    if args.training:
        result["training"] = training_memory(cfg, args.context, args.batch)
    return result


def cmd_throughput(args: argparse.Namespace) -> dict:
    from llmlab.arch.config import load_config
    from llmlab.arch.throughput import throughput

    cfg, name = load_config(args.config)
    result = throughput(cfg, args.gpu, args.gpus, args.dtype, args.context, args.batch,
                        args.bandwidth_util, args.mfu)
    return {"model": name, **result.as_dict()}


def cmd_fit(args: argparse.Namespace) -> dict:
    from llmlab.laws.fitter import fit_runs
    from llmlab.laws.runs import read_runs

    runs = read_runs(args.runs)
    drop = runs.default_drop if args.drop_highest is None else args.drop_highest
    if drop:
        runs = runs.without_highest_losses(drop)
    fit = fit_runs(runs, bootstrap=args.bootstrap, seed=args.seed)
    return {**fit.as_dict(), "dropped_highest_losses": drop}


def cmd_cost(args: argparse.Namespace) -> dict:
    from llmlab.laws.compute import training_flops
    from llmlab.laws.cost import training_cost

    if args.flops is not None:
        flops = args.flops
    elif args.params is not None and args.tokens is not None:
        flops = training_flops(args.params, args.tokens)
    else:
        raise LlmlabError("give --flops, or --params and --tokens (FLOPs = 6·N·D)")
    return training_cost(flops, args.gpu, args.gpus, args.mfu, args.price, args.precision).as_dict()


def cmd_plan(args: argparse.Namespace) -> dict:
    from llmlab.plan.planner import plan
    from llmlab.plan.request import PlanRequest

    request = PlanRequest(
        use_case=args.use_case, requests_per_day=args.requests_per_day, input_tokens=args.input_tokens,
        output_tokens=args.output_tokens, latency_s=args.latency, context_tokens=args.context,
        private=args.private, monthly_budget=args.monthly_budget, training_budget=args.training_budget, gpu=args.gpu,
    )
    return plan(request).as_dict()


def render_plan(result: dict) -> str:
    lines = [f"Recommended: {result['summary']}", "", f"{'fits':<5} {'tier':<30} {'option':<48} {'$/month':>12} {'latency':>9}"]
    for option in result["options"]:
        cost = "-" if option["monthly_cost"] in (0, float("inf")) else f"{option['monthly_cost']:,.0f}"
        latency = "-" if option["latency_s"] == float("inf") else f"{option['latency_s']:.1f} s"
        lines.append(f"{'yes' if option['fits'] else 'no':<5} {option['tier_label']:<30} {option['name'][:48]:<48} "
                     f"{cost:>12} {latency:>9}")
        for problem in option["problems"][:2]:
            lines.append(f"{'':<36}- {problem}")
    if result["recommended"]:
        lines += ["", "Why:"] + [f"  - {reason}" for reason in result["recommended"]["reasons"]]
    if result["training"]:
        best, aware = result["training"]["compute_optimal"], result["training"]["inference_aware"]["inference_aware"]
        lines += ["", f"Training budget ${result['training']['budget']:,.0f} -> {result['training']['flops']:.3g} FLOPs: "
                      f"compute-optimal {human(best['params'])} params on {human(best['tokens'])} tokens; "
                      f"inference-aware {human(aware['params'])} on {human(aware['tokens'])}"]
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> dict:
    import uvicorn

    print(f"llmlab lab on http://{args.host}:{args.port}  (Ctrl+C stops it)", file=sys.stderr)
    uvicorn.run("llmlab.web.app:app", host=args.host, port=args.port, log_level="warning")
    return {}


def _store(args: argparse.Namespace):
    from pathlib import Path

    from llmlab.train.runs import RunStore, default_runs_dir

    return RunStore(Path(args.runs_dir) if args.runs_dir else default_runs_dir())


def cmd_train(args: argparse.Namespace) -> dict:
    import time
    from dataclasses import replace
    from pathlib import Path

    from llmlab.nn.config import ModelConfig
    from llmlab.train.corpus import Split, default_corpus, user_corpus
    from llmlab.train.loop import train
    from llmlab.train.presets import preset

    model_cfg, train_cfg = preset(args.preset)
    if args.model_config:
        model_cfg = ModelConfig.load(args.model_config)
    overrides = {k: getattr(args, k) for k in ("steps", "batch_size", "seq_len", "lr", "schedule", "seed",
                                                "grad_accum", "eval_every", "checkpoint_every") if getattr(args, k)}
    train_cfg = replace(train_cfg, **overrides, bf16=args.bf16 or train_cfg.bf16)
    store = _store(args)
    if args.data:
        data = Path(args.data)
        if not data.exists():
            raise LlmlabError(f"--data {args.data!r} does not exist: pass a .txt file or a folder of them")
        load_text = lambda: user_corpus(data)  # noqa: E731
    else:
        def load_text() -> Split:
            train_path, val_path, _ = default_corpus(store.root / "corpus")
            return Split(train_path.read_text("utf-8"), val_path.read_text("utf-8"))
    name = args.name or f"{args.preset}-{time.strftime('%Y%m%d-%H%M%S')}"
    if not args.json:
        print(name, flush=True)
    return train(name, store, model_cfg, train_cfg, load_text, preset=args.preset, progress=not args.json)


def _load_run(args: argparse.Namespace):
    from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint
    from llmlab.train.tokenizer import load_tokenizer

    store = _store(args)
    store.config(args.run)  # unknown run -> a clear error
    path = latest_checkpoint(store.run_dir(args.run))
    if path is None:
        raise LlmlabError(f"run {args.run!r} has no checkpoint yet: train it first")
    checkpoint = load_checkpoint(path, with_optimizer=False)
    return checkpoint.model, load_tokenizer(store.run_dir(args.run) / "data" / "tokenizer.json"), path


def cmd_generate(args: argparse.Namespace) -> dict:
    import time

    import torch

    from llmlab.infer.generate import generate
    from llmlab.train.tokenizer import END_OF_TEXT

    torch.set_num_threads(1)  # batch-1 decoding is fastest on one thread here
    model, tokenizer, path = _load_run(args)
    prompt = tokenizer.encode(args.prompt).ids
    began = time.perf_counter()
    ids = generate(model, prompt, args.max_new_tokens, args.temperature, args.top_k, args.top_p,
                   stop_id=tokenizer.token_to_id(END_OF_TEXT), seed=args.seed)
    seconds = time.perf_counter() - began
    return {"run": args.run, "checkpoint": str(path), "prompt": args.prompt, "text": tokenizer.decode(ids),
            "new_tokens": len(ids), "tokens_per_s": len(ids) / seconds if seconds else None}


def cmd_export(args: argparse.Namespace) -> dict:
    from pathlib import Path

    from llmlab.train.export import export_hf

    model, _, path = _load_run(args)
    model_type = export_hf(model, _store(args).run_dir(args.run) / "data" / "tokenizer.json", Path(args.hf))
    return {"run": args.run, "checkpoint": str(path), "hf_dir": args.hf, "model_type": model_type}


def _load_reasoner(args: argparse.Namespace):
    args.run = args.run or "reasoner"
    try:
        return _load_run(args)
    except LlmlabError as error:
        raise LlmlabError(f"{error} (train the reasoning model with `llmlab reason-train`)") from None


def cmd_reason(args: argparse.Namespace) -> dict:
    import torch

    from llmlab.infer.reasoning import solve
    from llmlab.infer.tasks import parse

    parse(args.question)  # outside the task family: say so before loading anything
    torch.set_num_threads(1)
    model, tokenizer, _ = _load_reasoner(args)
    return solve(model, tokenizer, args.question, args.effort, args.budget, args.votes, args.seed).as_dict()


def render_reason(result: dict) -> str:
    votes = "" if len(result["votes"]) < 2 and sum(result["votes"].values()) == 1 else f"  votes: {result['votes']}"
    return (f"thinking ({result['thinking_tokens']} tokens{', budget reached' if result['forced'] else ''}): "
            f"{result['trace'] or '(none)'}\nanswer: {result['answer']}  [{result['verdict']}; expected "
            f"{result['expected']}]{votes}\nlatency: {result['latency_s'] * 1000:.0f} ms")


def cmd_reason_train(args: argparse.Namespace) -> dict:
    from dataclasses import replace

    from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint
    from llmlab.train.reasoner import REASONER_TRAINING, TRAIN_PROBLEMS, measure, train_reasoner

    store = _store(args)
    cfg = replace(REASONER_TRAINING, **({"steps": args.steps} if args.steps else {}), seed=args.seed)
    result = train_reasoner(args.name, store, cfg, args.seed, args.problems or TRAIN_PROBLEMS, progress=not args.json)
    if args.eval_problems:
        model = load_checkpoint(latest_checkpoint(store.run_dir(args.name)), with_optimizer=False).model
        result["measurements"] = measure(args.name, store, model, args.eval_problems, progress=not args.json)
    return result


def cmd_reason_eval(args: argparse.Namespace) -> dict:
    from llmlab.train.reasoner import measure

    model, _, _ = _load_reasoner(args)
    return measure(args.run, _store(args), model, args.problems, progress=not args.json)


def cmd_runs(args: argparse.Namespace) -> dict:
    return {"runs_dir": str(_store(args).root), "runs": _store(args).summaries()}


def render_runs(result: dict) -> str:
    lines = [f"{'run':<28} {'status':<8} {'preset':<9} {'steps':>6} {'train loss':>11} {'val loss':>9}"]
    for run in result["runs"]:
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"{run['name']:<28} {run['status']:<8} {run['preset']:<9} {run['steps'] or 0:>6} "
                     f"{fmt(run['train_loss']):>11} {fmt(run['val_loss']):>9}")
    return "\n".join(lines) if result["runs"] else f"no runs in {result['runs_dir']}"


def cmd_catalog(args: argparse.Namespace) -> dict:
    from llmlab import catalog

    tables = {"models": catalog.models, "gpus": catalog.accelerators, "fits": catalog.fits,
              "apis": catalog.api_tiers, "historical": catalog.historical}
    return tables[args.table]()


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llmlab", description="The numbers behind choosing, training and serving an LLM.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, handler: Callable[[argparse.Namespace], dict], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--json", action="store_true", help="print JSON")
        sub.set_defaults(handler=handler)
        return sub

    def fit_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--fit", default="chinchilla",
                         help="chinchilla, chinchilla-rounded, epoch2024 or kaplan2020 (default: chinchilla)")

    sub = command("loss", cmd_loss, "Predicted loss for N parameters trained on D tokens.")
    sub.add_argument("--params", type=_size("--params"), required=True, help="N, e.g. 70B")
    sub.add_argument("--tokens", type=_size("--tokens"), required=True, help="D, e.g. 1.4T")
    fit_option(sub)

    sub = command("optimal", cmd_optimal, "Compute-optimal N and D for a FLOP budget (C = 6ND).")
    sub.add_argument("--flops", type=_size("--flops"), required=True, help="C, e.g. 5.76e23")
    fit_option(sub)

    sub = command("inference-optimal", cmd_inference_optimal,
                  "Cheapest model reaching a loss once lifetime inference is paid for (Sardana et al. 2024).")
    sub.add_argument("--loss", type=_size("--loss"), help="target loss")
    sub.add_argument("--params", type=_size("--params"), help="or: the N you would train compute-optimally")
    sub.add_argument("--tokens", type=_size("--tokens"), help="and its D")
    sub.add_argument("--inference-tokens", type=_size("--inference-tokens"), required=True,
                     help="tokens served over the model's life, e.g. 2T")
    fit_option(sub)

    sub = command("isoflop", cmd_isoflop, "Loss against model size at a fixed FLOP budget.")
    sub.add_argument("--flops", type=_size("--flops"), required=True)
    sub.add_argument("--points", type=_count("--points"), default=25)
    fit_option(sub)

    config_help = "a catalog model (see 'llmlab catalog models') or a path to a config.json"
    sub = command("params", cmd_params, "Total and active parameters with a breakdown.")
    sub.add_argument("config", help=config_help)

    sub = command("flops", cmd_flops, "Forward and training FLOPs per token at a context length.")
    sub.add_argument("config", help=config_help)
    sub.add_argument("--context", type=_count("--context"), default=4096)
    sub.add_argument("--pattern", choices=("causal", "sliding", "strided", "global_local"),
                     help="override every layer's attention pattern")
    sub.add_argument("--window", type=_count("--window"), default=0)
    sub.add_argument("--stride", type=_count("--stride"), default=0)
    sub.add_argument("--n-global", type=_count("--n-global"), default=0)

    sub = command("memory", cmd_memory, "Weights and KV-cache memory (and training memory with --training).")
    sub.add_argument("config", help=config_help)
    sub.add_argument("--context", type=_count("--context"), default=4096)
    sub.add_argument("--batch", type=_count("--batch"), default=1)
    sub.add_argument("--dtype", default="bf16", choices=("fp32", "bf16", "fp16", "fp8", "int8", "int4"))
    sub.add_argument("--training", action="store_true", help="add mixed-precision AdamW training memory")

    sub = command("throughput", cmd_throughput, "Decode and prefill tokens/s bounds on an accelerator.")
    sub.add_argument("config", help=config_help)
    sub.add_argument("--gpu", default="h100", help="h100, h200, a100, b200, l4 or mi300x")
    sub.add_argument("--gpus", type=_count("--gpus"), default=1)
    sub.add_argument("--dtype", default="bf16", choices=("fp32", "bf16", "fp16", "fp8", "int8", "int4"))
    sub.add_argument("--context", type=_count("--context"), default=4096)
    sub.add_argument("--batch", type=_count("--batch"), default=1)
    sub.add_argument("--bandwidth-util", type=_fraction("--bandwidth-util"), default=1.0)
    sub.add_argument("--mfu", type=_fraction("--mfu"), default=0.5, help="prefill MFU (default 0.5)")

    sub = command("fit", cmd_fit, "Fit E, A, B, alpha, beta to your runs (Hoffmann et al. App. D.2).")
    sub.add_argument("runs", help="CSV with columns N, D, loss (or Epoch's 'Model Size', 'Training FLOP', loss)")
    sub.add_argument("--bootstrap", type=int, default=0, help="resamples for 95%% intervals")
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--drop-highest", type=int, default=None,
                     help="drop the K highest-loss runs (default: 5 for Epoch's Chinchilla file, else 0)")

    sub = command("cost", cmd_cost, "GPU-hours and dollars for a training run.")
    sub.add_argument("--flops", type=_size("--flops"), help="training FLOPs, or give --params and --tokens")
    sub.add_argument("--params", type=_size("--params"))
    sub.add_argument("--tokens", type=_size("--tokens"))
    sub.add_argument("--gpu", default="h100")
    sub.add_argument("--gpus", type=_count("--gpus"), default=1)
    sub.add_argument("--mfu", type=_fraction("--mfu"), default=0.4)
    sub.add_argument("--price", type=float, default=None, help="$/GPU-hour (default: the catalog's)")
    sub.add_argument("--precision", default="bf16", choices=("bf16", "fp8"))

    sub = command("plan", cmd_plan, "Recommend a tier, model size and architecture for a budget and use case.")
    sub.set_defaults(render=render_plan)
    sub.add_argument("--use-case", default="chat",
                     choices=("chat", "coding-agent", "rag", "batch-extraction", "long-document", "math-reasoning"))
    sub.add_argument("--requests-per-day", type=_size("--requests-per-day"), default=1000.0)
    sub.add_argument("--input-tokens", type=_count("--input-tokens"), default=500)
    sub.add_argument("--output-tokens", type=_count("--output-tokens"), default=300)
    sub.add_argument("--latency", type=_size("--latency"), default=10.0, help="seconds per full response")
    sub.add_argument("--context", type=_count("--context"), default=8192, help="context length needed")
    sub.add_argument("--private", action="store_true", help="data must stay in-house (no third-party API)")
    sub.add_argument("--monthly-budget", type=_size("--monthly-budget"), help="serving budget, $/month")
    sub.add_argument("--training-budget", type=_size("--training-budget"), help="one-off training budget, $")
    sub.add_argument("--gpu", default="any", help="GPU for self-hosting and training, or 'any' (default)")

    sub = command("serve", cmd_serve, "Start the lab: the local web app with the demos and the planner.")
    sub.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    sub.add_argument("--port", type=_count("--port"), default=8000)
    sub.set_defaults(render=lambda result: "")

    def runs_dir(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--runs-dir", help="where runs live (default: $LLMLAB_HOME or ./runs)")

    sub = command("train", cmd_train, "Train the mini-LLM (resumes the named run from its latest checkpoint).")
    sub.add_argument("--preset", default="tiny", choices=("tiny", "small", "moe-tiny"))
    sub.add_argument("--steps", type=_count("--steps"))
    sub.add_argument("--name", help="run name (default: preset and time); an existing name resumes that run")
    sub.add_argument("--data", help="a .txt file or folder of them (default: the packaged English corpus)")
    sub.add_argument("--model-config", help="a JSON file of ModelConfig fields, instead of the preset's model")
    sub.add_argument("--batch-size", type=_count("--batch-size"))
    sub.add_argument("--seq-len", type=_count("--seq-len"))
    sub.add_argument("--grad-accum", type=_count("--grad-accum"))
    sub.add_argument("--lr", type=_size("--lr"))
    sub.add_argument("--schedule", choices=("cosine", "wsd"))
    sub.add_argument("--eval-every", type=_count("--eval-every"))
    sub.add_argument("--checkpoint-every", type=_count("--checkpoint-every"))
    sub.add_argument("--seed", type=int)
    sub.add_argument("--bf16", action="store_true", help="bf16 autocast (about 2x faster on CPUs with AVX512-BF16)")
    runs_dir(sub)

    sub = command("generate", cmd_generate, "Generate text from a trained run (KV cache).")
    sub.add_argument("run")
    sub.add_argument("--prompt", required=True)
    sub.add_argument("--max-new-tokens", type=_count("--max-new-tokens"), default=100)
    sub.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    sub.add_argument("--top-k", type=_count("--top-k"))
    sub.add_argument("--top-p", type=_fraction("--top-p"))
    sub.add_argument("--seed", type=int)
    runs_dir(sub)
    sub.set_defaults(render=lambda result: result["prompt"] + result["text"])

    sub = command("export", cmd_export, "Export a run as a Hugging Face model directory.")
    sub.add_argument("run")
    sub.add_argument("--hf", required=True, help="output folder")
    runs_dir(sub)

    sub = command("reason", cmd_reason, "Solve a bat-and-ball-family problem with the trained reasoning model.")
    sub.add_argument("question")
    sub.add_argument("--effort", default="medium", choices=("none", "low", "medium", "high"))
    sub.add_argument("--budget", type=int, help="thinking-token cap (default: the effort's)")
    sub.add_argument("--votes", type=_count("--votes"), help="self-consistency samples (default: 5 at high, else 1)")
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--run", help="the reasoning run (default: reasoner)")
    runs_dir(sub)
    sub.set_defaults(render=render_reason)

    sub = command("reason-train", cmd_reason_train,
                  "Train the small reasoning model from scratch (about 10 minutes here), then measure it.")
    sub.add_argument("--name", default="reasoner")
    sub.add_argument("--steps", type=_count("--steps"))
    sub.add_argument("--problems", type=_count("--problems"), help="training problems (default 40,000)")
    sub.add_argument("--eval-problems", type=int, default=60, help="held-out problems to measure on (0: skip)")
    sub.add_argument("--seed", type=int, default=0)
    runs_dir(sub)

    sub = command("reason-eval", cmd_reason_eval, "Measure the reasoning model per effort on the held-out split.")
    sub.add_argument("--run")
    sub.add_argument("--problems", type=_count("--problems"), default=60)
    runs_dir(sub)

    sub = command("runs", cmd_runs, "List runs with their latest losses.")
    runs_dir(sub)
    sub.set_defaults(render=render_runs)

    sub = command("catalog", cmd_catalog, "The sourced data: models, GPUs, fits, API prices, landmark runs.")
    sub.add_argument("table", choices=("models", "gpus", "fits", "apis", "historical"))
    return parser


# ---------------------------------------------------------------- output

def _format(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1e6 <= abs(value) < 1e15:
        return f"{value:.4e}  ({human(value)})"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.4e}"
    if isinstance(value, list) and len(value) > 6:
        return f"[{', '.join(_format(v) for v in value[:3])}, ... {len(value)} values]"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def _render(result: dict, indent: int = 0) -> str:
    lines = []
    width = max((len(str(key)) for key in result), default=0)
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(" " * indent + f"{key}:")
            lines.append(_render(value, indent + 2))
        else:
            lines.append(" " * indent + f"{str(key):<{width}}  {_format(value)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
    except LlmlabError as error:
        print(f"llmlab {args.command}: error: {error}", file=sys.stderr)
        return 2
    render = getattr(args, "render", _render)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
