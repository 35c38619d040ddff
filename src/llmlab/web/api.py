"""The lab's JSON API: every route is the engine's typed input model in, its typed result out.

GET routes take their input model as query parameters (the pages' state lives in the URL); POST
routes take it as a JSON body. The engine's command-line features are served here too, so anything
the CLI computes, a script can ask the lab for with the same field names. Bad input answers 422.
"""

from typing import Annotated, Any, Callable

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from llmlab.arch import features as arch
from llmlab.catalog.features import TABLES, Table
from llmlab.laws import features as laws
from llmlab.plan.planner import Plan, plan
from llmlab.plan.request import PlanRequest
from llmlab.reasoning.features import Effort, ReasonInput
from llmlab.reasoning.projection import reasoning_projection
from llmlab.reasoning.service import Reasoner
from llmlab.web import views
from llmlab.web.heavy import heavy
from llmlab.web.routing import route

router = APIRouter(prefix="/api")


def _post(path: str, run: Callable[[Any], Any], body: type[BaseModel], result: Any) -> None:
    """Serve an engine feature at POST ``path``: its input model as the body, its result model as the response."""

    @heavy
    def endpoint(request: body) -> Any:  # type: ignore[valid-type]
        return run(request)

    endpoint.__name__ = path.strip("/").replace("-", "_")
    router.post(path, response_model=result, summary=(run.__doc__ or "").strip().split("\n")[0])(endpoint)


for _path, _run, _body, _result in (
    ("/loss", laws.predict_loss, laws.LossInput, laws.LossResult),
    ("/optimal", laws.optimal, laws.OptimalInput, laws.OptimalResult),
    ("/inference-optimal", laws.inference_optimal, laws.InferenceOptimalInput, laws.InferenceOptimalResult),
    ("/fit", laws.fit, laws.FitInput, laws.FitResult),
    ("/cost", laws.cost, laws.CostInput, laws.RunCost),
    ("/params", arch.params, arch.ParamsInput, arch.ParamsResult),
    ("/flops", arch.flops, arch.FlopsInput, arch.FlopsResult),
    ("/memory", arch.memory, arch.MemoryInput, arch.MemoryResult),
    ("/throughput", arch.serving_throughput, arch.ThroughputInput, arch.ThroughputResult),
    ("/plan", plan, PlanRequest, Plan),
):
    _post(_path, _run, _body, _result)


@router.get("/health")
async def health() -> dict:
    return {"ok": True}


@router.get("/choices", response_model=views.Choices)
def choices() -> views.Choices:
    return views.choices()


@router.get("/catalog/{table}")
def catalog_table(table: Table) -> dict:
    return TABLES[table]()


@router.get("/scaling", response_model=views.ScalingView)
@heavy
def scaling(request: Annotated[views.ScalingInput, Query()]) -> views.ScalingView:
    return views.scaling(request)


@router.get("/isoflop", response_model=views.IsoflopChart)
@heavy
def isoflop(request: Annotated[views.IsoflopChartInput, Query()]) -> views.IsoflopChart:
    return views.isoflop_chart(request)


@router.get("/compare", response_model=views.CompareView)
@heavy
def compare(request: Annotated[views.CompareInput, Query()]) -> views.CompareView:
    return views.compare(request)


@router.get("/emergence")
@heavy
def emergence(request: Annotated[views.EmergenceInput, Query()]) -> dict:
    return views.emergence(request)


@router.get("/moe/route")
@heavy
def moe_route(request: Annotated[views.RouteInput, Query()]) -> dict:
    return route(request.text, request.k, request.seed)


@router.get("/moe/model", response_model=views.MoeCard)
@heavy
def moe_model(request: Annotated[views.MoeModelInput, Query()]) -> views.MoeCard:
    return views.moe_card(request)


@router.get("/attention")
@heavy
def attention(request: Annotated[views.AttentionInput, Query()]) -> dict:
    return views.attention(request)


@router.get("/kv")
@heavy
def kv(request: Annotated[views.KvInput, Query()]) -> dict:
    return views.kv(request)


@router.get("/frontier")
@heavy
def frontier(request: Annotated[views.FrontierInput, Query()]) -> dict:
    return views.frontier(request)


# ------------------------------------------------------------------ the trained reasoning model

def reasoner(request: Request) -> Reasoner:
    """The app's one reasoning model, created with the app (``create_app(runs_dir=...)``)."""
    return request.app.state.reasoner


@router.get("/reasoning/model")
def reasoning_model(model: Annotated[Reasoner, Depends(reasoner)]) -> dict:
    return model.status()


@router.post("/reasoning/train")
def reasoning_train(model: Annotated[Reasoner, Depends(reasoner)]) -> dict:
    return model.start_training()


@router.get("/reasoning/solve")
@heavy
def reasoning_solve(request: Annotated[ReasonInput, Query()], model: Annotated[Reasoner, Depends(reasoner)]) -> dict:
    return model.solve(request)


@router.get("/reasoning/projection")
def reasoning(effort: Effort = "medium") -> dict:
    return reasoning_projection(effort)
