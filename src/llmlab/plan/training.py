"""Training your own: what a one-off budget buys, compute-optimally and inference-aware, beside an open model."""

from __future__ import annotations

from llmlab import catalog
from llmlab.laws.allocation import compute_optimal, inference_aware
from llmlab.laws.cost import default_training_mfu
from llmlab.laws.parametric import get_law
from llmlab.plan.option import Option
from llmlab.plan.request import PlanRequest
from llmlab.units import human


def affordable_flops(budget: float, gpu: str) -> tuple[float, float]:
    """(FLOPs, MFU) the budget buys: the MFU depends on the model size the FLOPs buy, so the two are settled
    together (a few rounds converge: MFU moves slowly with size)."""
    spec = catalog.accelerator(gpu)
    gpu_hours = budget / spec["price_per_hour"]["default"]
    mfu = default_training_mfu(1e9)
    for _ in range(8):
        flops = gpu_hours * 3600 * spec["bf16_tflops"] * 1e12 * mfu
        mfu = default_training_mfu(compute_optimal(get_law("chinchilla"), flops).params)
    return gpu_hours * 3600 * spec["bf16_tflops"] * 1e12 * mfu, mfu


def training_option(request: PlanRequest) -> Option | None:
    """Never recommended on its own: it has no published quality score and serving comes on top."""
    if request.training_budget is None:
        return None
    a = catalog.planning()["assumptions"]
    law = get_law("chinchilla")
    gpu = request.training_gpu
    flops, mfu = affordable_flops(request.training_budget, gpu)
    best = compute_optimal(law, flops)
    lifetime_tokens = (request.requests_per_day * a["days_per_month"] * a["inference_lifetime_months"]
                       * (request.input_tokens + request.output_tokens))
    aware = inference_aware(law, best.loss, lifetime_tokens)
    reference = catalog.historical()["llama-3-8b"]
    reference_loss = float(law.loss(reference["params"], reference["tokens"]))
    model = aware.inference_aware
    option = Option(
        key="train", tier="train", name=f"train a {human(model.params)} model on {human(model.tokens)} tokens",
        quality=None, thinking_tokens=0, monthly_cost=None, latency_s=None,
        details={"budget": request.training_budget, "flops": flops, "gpu": gpu, "mfu": mfu,
                 "compute_optimal": best.model_dump(), "inference_aware": aware.model_dump(),
                 "lifetime_inference_tokens": lifetime_tokens, "reference": reference["label"],
                 "reference_loss": reference_loss},
    )
    option.reasons.append(
        f"${request.training_budget:,.0f} buys {flops:.3g} FLOPs on {gpu.upper()} at MFU {mfu:.2f} (what published "
        f"runs of that size reached): compute-optimal {human(best.params)} parameters on {human(best.tokens)} tokens "
        f"(predicted loss {best.loss:.3f})")
    option.reasons.append(
        f"with {human(lifetime_tokens)} lifetime inference tokens the inference-aware choice is {human(model.params)} "
        f"on {human(model.tokens)} tokens, {aware.saving_fraction:.0%} less lifetime compute at the same loss")
    if best.loss > reference_loss:
        option.problems.append(f"predicted loss {best.loss:.3f} is worse than {reference['label']}'s "
                               f"{reference_loss:.3f} (open weights, 15T tokens): fine-tune an open model instead")
    option.problems.append("unscored on any benchmark, and serving costs come on top: see the self-hosted rows")
    option.fits = False
    return option
