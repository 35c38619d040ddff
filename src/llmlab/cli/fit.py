"""`llmlab fit RUNS.csv`: fit E, A, B, alpha, beta to your runs (Hoffmann et al. 2022 App. D.2)."""

from llmlab.cli.command import Command
from llmlab.cli.render import render_mapping
from llmlab.laws.features import FitInput, fit
from llmlab.userfiles import read_text


def render_fit(result: dict) -> str:
    """The constants and intervals; the per-run table and the bootstrap refits stay in --json."""
    return render_mapping({key: value for key, value in result.items() if key not in ("runs", "samples")})


COMMAND = Command("fit", "Fit E, A, B, alpha, beta to your runs (Hoffmann et al. 2022 App. D.2).", FitInput, fit,
                  render=render_fit, loaders={"runs": lambda path: read_text(path, "runs CSV")})
