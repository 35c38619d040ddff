"""The lab's JSON API: every route is the engine's typed input model in, its typed result out.

GET routes take their input model as query parameters (the pages' state lives in the URL); POST
routes take it as a JSON body. The engine's command-line features are served here too, so anything
the CLI computes, a script can ask the lab for with the same field names. Bad input answers 422.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from llmlab.arch import features as arch
from llmlab.catalog.features import TABLES, Table
from llmlab.laws import features as laws
from llmlab.laws.emergence import EmergenceCurves
from llmlab.plan.planner import Plan, plan
from llmlab.plan.request import PlanRequest
from llmlab.reasoning.features import Effort, ReasonInput
from llmlab.reasoning.projection import reasoning_projection
from llmlab.reasoning.service import Reasoner
from llmlab.web import views
from llmlab.web.heavy import heavy
from llmlab.web.routing import Routing

router = APIRouter(prefix="/api")


def _post(path: str, run: Callable[[Any], Any], body: type[BaseModel], result: Any) -> None:
    """Serve an engine feature at POST ``path``: its input model as the body, its result model as the response."""

    @heavy
    def endpoint(request: body) -> Any:  # type: ignore[valid-type]
        return run(request)

    endpoint.__name__ = path.strip("/").replace("-", "_")
    router.post(path, response_model=result, summary=(run.__doc__ or "").strip().split("\n")[0])(endpoint)


_result: type[BaseModel]  # the response model; both route tables below bind it
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


def _get(path: str, view: Callable[[Any], Any], query: type[BaseModel], result: Any) -> None:
    """Serve a lab view at GET ``path``: its input model as query parameters (the page's URL state)."""

    @heavy
    def endpoint(request: Annotated[query, Query()]) -> Any:  # type: ignore[valid-type]
        return view(request)

    endpoint.__name__ = path.strip("/").replace("/", "_")
    router.get(path, response_model=result, summary=(view.__doc__ or "").strip().split("\n")[0])(endpoint)


for _path, _view, _query, _result in (
    ("/scaling", views.scaling, views.ScalingInput, views.ScalingView),
    ("/isoflop", views.isoflop_chart, views.IsoflopChartInput, views.IsoflopChart),
    ("/compare", views.compare, views.CompareInput, views.CompareView),
    ("/emergence", views.emergence, views.EmergenceInput, EmergenceCurves),
    ("/moe/route", views.moe_route, views.RouteInput, Routing),
    ("/moe/model", views.moe_card, views.MoeModelInput, views.MoeCard),
    ("/attention", views.attention, views.AttentionInput, views.AttentionView),
    ("/kv", views.kv, views.KvInput, views.KvView),
    ("/frontier", views.frontier, views.FrontierInput, views.FrontierView),
):
    _get(_path, _view, _query, _result)


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
