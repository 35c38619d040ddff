"""Serving estimate against published measurements: one line per measured figure of every row in
catalog/data/serving_measurements.json, with the roofline bound, the expected figure (FITTED_FACTORS) and
their ratio to the measurement. Rows left out of the fit are marked and listed with their reasons.

    python bench/serving_calibration.py [--markdown] [--refit]

--refit fits the factors again (fit_serving_factors) and uses them instead of the stored constants.
"""

from __future__ import annotations

import argparse
import math

from llmlab.arch.throughput import BOUND_FACTORS, FITTED_FACTORS, calibrations, fit_serving_factors

UNITS = {"output_tokens_per_s": ("tok/s", 1.0), "ttft_ms": ("TTFT ms", 1.0), "tpot_ms": ("TPOT ms", 1.0),
         "median_itl_ms": ("ITL ms", 1.0)}


def _shape(row: dict) -> str:
    model = row.get("model") or row["config"].get("_name_or_path", "inline").split("/")[-1]
    return (f"{model} {row['precision']}/{row['kv_precision']} {row['gpus']}x{row['gpu']} "
            f"b{row['batch']} {row['input_tokens']}/{row['output_tokens']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--refit", action="store_true", help="re-fit the factors instead of the stored ones")
    args = parser.parse_args()
    factors = fit_serving_factors() if args.refit else FITTED_FACTORS
    print(f"factors: bandwidth x {factors.bandwidth_efficiency}, 16-bit MFU {factors.mfu}, 8/4-bit MFU "
          f"{factors.mfu_low_precision}, per layer {factors.layer_overhead_s * 1e6:.1f} us (CUDA graphs) / "
          f"{factors.layer_overhead_eager_s * 1e6:.1f} us (host-launched); fitted on {factors.fitted_rows} rows\n")
    header = ("engine", "set-up", "figure", "measured", "bound", "expected", "exp/meas")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
    else:
        print(f"{'engine':<22} {'set-up':<52} {'figure':<8} {'measured':>9} {'bound':>9} {'expected':>9} "
              f"{'exp/meas':>8}")
    ratios, notes = [], []
    for case in calibrations():
        row = case.row
        bound = case.estimated(BOUND_FACTORS, bound=True)
        expected = case.estimated(factors)
        fitted = case.measured()
        for metric, value in case.measured(fitted_only=False).items():
            label = UNITS[metric][0]
            ratio = expected[metric] / value
            mark = "" if metric in fitted else " *"
            if metric in fitted:
                ratios.append(math.log(ratio))
            engine = f"{row['engine'].split(' (')[0]} {row['engine_version'].split(' (')[0]}"[:22]
            cells = (engine, _shape(row), label, f"{value:,.4g}", f"{bound[metric]:,.4g}", f"{expected[metric]:,.4g}",
                     f"{ratio:.2f}{mark}")
            if args.markdown:
                print("| " + " | ".join(cells) + " |")
            else:
                print(f"{cells[0]:<22} {cells[1]:<52} {cells[2]:<8} {cells[3]:>9} {cells[4]:>9} {cells[5]:>9} "
                      f"{cells[6]:>8}")
        if row.get("excluded"):
            notes.append(f"{case.name}: {row['excluded']}")
        for metric, reason in (row.get("excluded_metrics") or {}).items():
            notes.append(f"{case.name} ({metric}): {reason}")
    rms = math.sqrt(sum(r * r for r in ratios) / len(ratios))
    worst = max(abs(math.exp(r) - 1) for r in ratios)
    print(f"\n{len(ratios)} fitted figures: RMS log error {rms:.3f}, worst {worst:.0%} off; "
          "* = left out of the fit (still below the bound):")
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
