"""Scaling laws, allocation and cost against the papers' own numbers."""

import numpy as np
import pytest
from scipy.optimize import brentq

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.laws.allocation import (
    compute_optimal,
    efficient_frontier,
    inference_aware,
    isoflop_curve,
    rule_of_thumb,
)
from llmlab.laws.compute import training_flops, training_flops_with_attention
from llmlab.laws.cost import training_cost
from llmlab.laws.parametric import ChinchillaLaw, extrapolation_warnings, get_law

GOPHER_BUDGET = 5.76e23


def test_every_fit_carries_a_source_and_date():
    for name, entry in catalog.fits().items():
        assert entry["source"] and entry["date"], name


def test_every_fit_states_the_range_it_was_fitted_on():
    for name in catalog.fits():
        fitted = get_law(name).fitted_range
        assert fitted.source and fitted.params[0] < fitted.params[1] and fitted.tokens[0] < fitted.tokens[1], name
    # Hoffmann et al. 2022 abstract: 70M to over 16B parameters on 5 to 500 billion tokens.
    assert get_law("epoch2024").fitted_range.params == (7e7, 1.6e10)
    assert get_law("chinchilla").fitted_range.tokens == (5e9, 5e11)
    assert get_law("kaplan2020").fitted_range.params == (768, 1.5e9)  # non-embedding


def test_predictions_far_outside_the_fitted_range_are_flagged():
    assert extrapolation_warnings("chinchilla", 1e13, 1e12) == [
        "N = 1e+13 is 625× above the largest model fit 'chinchilla' was fitted on (16B): "
        "treat the prediction as an extrapolation"
    ]
    assert extrapolation_warnings("chinchilla", 70e9, 1.4e12) == []  # within 10× of the data: no warning
    below = extrapolation_warnings(get_law("kaplan2020"), 10, 2e7)
    assert len(below) == 1 and below[0].startswith("N = 10 is 77× below the smallest model fit 'kaplan2020'")
    both = extrapolation_warnings("epoch2024", 1e6, 1e14)
    assert [w.split(" ")[0] for w in both] == ["N", "D"] and "(500B)" in both[1]
    assert extrapolation_warnings(ChinchillaLaw(E=1.7, A=400, B=400, alpha=0.34, beta=0.28), 1e15, 1e15) == []


@pytest.mark.parametrize("params, tokens", [(0, 1e12), (float("nan"), 1e12), (1e9, float("inf")), (1e9, "1e12")])
def test_extrapolation_check_refuses_non_numbers(params, tokens):
    with pytest.raises(LlmlabError, match="positive finite"):
        extrapolation_warnings("chinchilla", params, tokens)


@pytest.mark.parametrize(
    "fit, params, tokens",
    [("chinchilla", 40.4e9, 2.38e12), ("epoch2024", 72.3e9, 1.33e12)],
)
def test_closed_form_optimum_at_gopher_budget(fit, params, tokens):
    best = compute_optimal(get_law(fit), GOPHER_BUDGET)
    assert best.params == pytest.approx(params, rel=5e-3)
    assert best.tokens == pytest.approx(tokens, rel=5e-3)
    assert best.flops == pytest.approx(GOPHER_BUDGET)


@pytest.mark.parametrize("fit", ["chinchilla", "chinchilla-rounded", "epoch2024"])
def test_closed_form_agrees_with_numerical_minimum(fit):
    from scipy.optimize import minimize_scalar

    law = get_law(fit)
    for flops in (1e19, 1e22, 1e25):
        centre = 0.5 * np.log(flops / 6)
        found = minimize_scalar(lambda log_n, c=flops: float(law.loss(np.exp(log_n), c / (6 * np.exp(log_n)))),
                                bounds=(centre - 25, centre + 25), method="bounded", options={"xatol": 1e-10})
        assert compute_optimal(law, flops).params == pytest.approx(np.exp(found.x), rel=1e-4)


def test_predicted_losses_of_landmark_models():
    # [C] values in shared/notes/laws_and_catalog.md §1e for Chinchilla 70B on 1.4T tokens.
    for fit, expected in (("chinchilla-rounded", 1.937), ("chinchilla", 1.921), ("epoch2024", 1.974)):
        assert float(get_law(fit).loss(70e9, 1.4e12)) == pytest.approx(expected, abs=1e-3)


# Chinchilla Table 3 (Approach 1): params, FLOPs, tokens.
TABLE_3 = [
    (400e6, 1.92e19, 8.0e9), (1e9, 1.21e20, 20.2e9), (10e9, 1.23e22, 205.1e9), (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12), (280e9, 9.90e24, 5.9e12), (520e9, 3.43e25, 11.0e12), (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
]


@pytest.mark.parametrize("params, flops, tokens", TABLE_3)
def test_table_3_rows_are_6nd_at_about_20_tokens_per_param(params, flops, tokens):
    assert training_flops(params, tokens) == pytest.approx(flops, rel=0.05)
    assert 19 <= tokens / params <= 23
    thumb = rule_of_thumb(get_law("chinchilla"), flops)
    assert thumb.params == pytest.approx(params, rel=0.08)


def test_rule_of_thumb_at_1e22():
    thumb = rule_of_thumb(get_law("chinchilla"), 1e22)
    assert thumb.tokens_per_param == pytest.approx(20)
    assert 8e9 <= thumb.params <= 9.5e9 and 1.6e11 <= thumb.tokens <= 2e11
    assert thumb.flops == pytest.approx(1e22)


def test_kaplan_law_formula_and_optimum():
    law = get_law("kaplan2020")
    n, d = 1e9, 1e10
    expected = ((6.4e13 / n) ** (0.076 / 0.103) + 1.8e13 / d) ** 0.103
    assert float(law.loss(n, d)) == pytest.approx(expected)
    assert "non-embedding" in law.params_convention.lower()
    # Kaplan's published frontier (Table 6): N_opt = 1.3e9 · C^0.73 with C in PF-days; D spends the rest.
    best = compute_optimal(law, 1e21)
    assert best.params == pytest.approx(1.3e9 * (1e21 / 8.64e19) ** 0.73)
    assert best.params * best.tokens * 6 == pytest.approx(1e21)
    assert np.log(compute_optimal(law, 1e23).params / best.params) / np.log(100) == pytest.approx(0.73)
    # At Gopher's budget that is ~804B parameters, where a loss minimum along 6ND would say ~242B.
    assert compute_optimal(law, GOPHER_BUDGET).params == pytest.approx(8.04e11, rel=1e-3)
    # Kaplan's frontier spends more of extra compute on parameters than Chinchilla's does.
    kaplan = np.log(compute_optimal(law, 1e23).params / best.params) / np.log(100)
    hoffmann_law = get_law("chinchilla")
    hoffmann_growth = compute_optimal(hoffmann_law, 1e23).params / compute_optimal(hoffmann_law, 1e21).params
    hoffmann = np.log(hoffmann_growth) / np.log(100)
    assert kaplan > hoffmann


def test_isoflop_minimum_sits_on_the_frontier():
    law = get_law("epoch2024")
    best = compute_optimal(law, 1e21)
    sizes = best.params * np.logspace(-1, 1, 201)
    curve = isoflop_curve(law, 1e21, sizes)
    assert sizes[np.argmin(curve)] == pytest.approx(best.params, rel=0.03)
    frontier = efficient_frontier(law, [1e19, 1e21, 1e23])
    assert [f.params for f in frontier] == sorted(f.params for f in frontier)
    assert [f.loss for f in frontier] == sorted((f.loss for f in frontier), reverse=True)


def test_inference_aware_reproduces_the_13b_example():
    # Sardana et al. 2024 Fig. 1 setup with rounded Hoffmann constants: a 13B compute-optimal model
    # serving 2T tokens is beaten by a ~8.0B model, ~10% less lifetime compute (notes §4a [C]).
    law = get_law("chinchilla-rounded")
    log_flops = brentq(lambda c: compute_optimal(law, 10**c).params - 13e9, 18, 28)
    planned = compute_optimal(law, 10**log_flops)
    plan = inference_aware(law, planned.loss, 2e12)
    assert plan.compute_optimal.params == pytest.approx(13e9, rel=1e-3)
    assert plan.inference_aware.params == pytest.approx(8.0e9, rel=0.02)
    assert plan.saving_fraction == pytest.approx(0.10, abs=0.01)
    assert plan.inference_aware.loss == pytest.approx(planned.loss)


def test_more_inference_means_smaller_longer_trained_models():
    law = get_law("chinchilla")
    sizes = [inference_aware(law, 2.0, tokens).inference_aware.params for tokens in (0, 1e12, 1e13, 1e14)]
    assert sizes == sorted(sizes, reverse=True)
    none = inference_aware(law, 2.0, 0)
    assert none.saving_fraction == pytest.approx(0, abs=1e-6)


def test_unreachable_loss_is_a_clear_error():
    with pytest.raises(LlmlabError, match="irreducible"):
        inference_aware(get_law("chinchilla"), 1.5, 1e12)


def test_training_flops_attention_term():
    # Kaplan: forward adds 2·n_layer·n_ctx·d_attn per token, training three times that.
    base = training_flops(1e9, 1e10)
    assert training_flops_with_attention(1e9, 1e10, 24, 2048, 2048) == pytest.approx(
        base + 3 * 2 * 24 * 2048 * 2048 * 1e10
    )


def test_cost_from_flops_uses_dense_peak_and_mfu():
    run = training_cost(5.76e23, "h100", gpus=1024, mfu=0.4, price_per_gpu_hour=2.5)
    gpu_hours = 5.76e23 / (989.4e12 * 0.4) / 3600
    assert run.gpu_hours == pytest.approx(gpu_hours)
    assert run.wall_clock_hours == pytest.approx(gpu_hours / 1024)
    assert run.dollars == pytest.approx(gpu_hours * 2.5)
    default = training_cost(5.76e23, "H100", gpus=1024)
    assert default.price_per_gpu_hour == catalog.accelerator("h100")["price_per_hour"]["default"]
    assert training_cost(1e21, "h100", precision="fp8").gpu_hours == pytest.approx(run_hours(1e21) / 2, rel=1e-3)


def test_default_training_mfu_is_read_off_the_published_llama_3_1_runs():
    from llmlab.laws.cost import default_training_mfu

    # 6·N·15.6T tokens over the model card's H100 hours at 989.4 TFLOP/s, recomputed here.
    for params, hours in ((8.03e9, 1.46e6), (70.6e9, 7.0e6), (405.9e9, 30.84e6)):
        implied = 6 * params * 15.6e12 / (hours * 3600 * 989.4e12)
        assert default_training_mfu(params) == pytest.approx(implied, abs=1e-3)
    assert default_training_mfu(1e6) == default_training_mfu(8.03e9)  # held at the ends
    between = default_training_mfu(2e10)
    assert default_training_mfu(8.03e9) < between < default_training_mfu(70.6e9)
    run = training_cost(6 * 70.6e9 * 1e12, "h100", params=70.6e9)
    assert run.mfu == pytest.approx(0.265, abs=1e-3) and "70.6B" in run.mfu_basis


def run_hours(flops: float) -> float:
    return training_cost(flops, "h100").gpu_hours


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(flops=1e21, gpu="tpu"), "unknown GPU"),
        (dict(flops=-1.0, gpu="h100"), "positive"),
        (dict(flops=1e21, gpu="h100", mfu=1.5), "mfu"),
        (dict(flops=1e21, gpu="a100", precision="fp8"), "no fp8"),
    ],
)
def test_cost_rejects_bad_input(kwargs, message):
    with pytest.raises(LlmlabError, match=message):
        training_cost(**kwargs)


def test_custom_law_round_trips_tokens_for_loss():
    law = ChinchillaLaw(E=1.7, A=400, B=400, alpha=0.34, beta=0.28)
    tokens = float(law.tokens_for_loss(7e9, 2.1))
    assert float(law.loss(7e9, tokens)) == pytest.approx(2.1)
    assert np.isinf(law.tokens_for_loss(1e6, 2.1))
