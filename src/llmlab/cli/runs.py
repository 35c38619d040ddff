"""`llmlab runs`: list runs with their status and latest losses."""

from llmlab.cli.command import Command
from llmlab.train.requests import RunsInput


def run(request: RunsInput) -> dict:
    store = request.store(create=False)
    return {"runs_dir": str(store.root), "runs": store.summaries()}


def render_runs(result: dict) -> str:
    if not result["runs"]:
        return f"no runs in {result['runs_dir']}"
    lines = [f"{'run':<28} {'status':<9} {'preset':<9} {'steps':>6} {'train loss':>11} {'val loss':>9}"]
    for run_ in result["runs"]:
        def shown(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        lines.append(f"{run_['name']:<28} {run_['status']:<9} {run_['preset']:<9} {run_['steps'] or 0:>6} "
                     f"{shown(run_['train_loss']):>11} {shown(run_['val_loss']):>9}")
    return "\n".join(lines)


COMMAND = Command("runs", "List runs with their status and latest losses.", RunsInput, run, render=render_runs)
