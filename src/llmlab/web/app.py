"""The lab's web app: the JSON API, the pages and their static assets, all served locally.

FastAPI's /docs page would load Swagger from a CDN, so it is off; /openapi.json stays.
plotly.min.js is served from the installed plotly package, never from the network.
Every request passes ``llmlab.web.security.RequestGuard`` first (allowed Host names, same-origin JSON
writes, bounded bodies and query strings); CPU-heavy routes are marked ``@heavy`` (``llmlab.web.heavy``).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from string import Template

import plotly
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from llmlab.errors import LlmlabError
from llmlab.reasoning.service import Reasoner
from llmlab.schema import describe
from llmlab.train.runs import default_runs_dir
from llmlab.web.api import router
from llmlab.web.security import (
    LOOPBACK_HOSTS,
    MAX_BODY_BYTES,
    MAX_QUERY_BYTES,
    FiniteJSONResponse,
    RequestGuard,
    error_response,
)

WEB = Path(str(resources.files(__package__)))
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Page name -> (title, whether it draws plotly charts). Each page's body is pages/<name>.html and its
# script static/js/<name>.js; the shared head and layout are pages/_layout.html.
PAGES = {
    "index": ("Demos", False), "scaling": ("Scaling laws", True), "moe": ("MoE routing", False),
    "attention": ("Long context", False), "planner": ("Planner", True), "reasoning": ("Reasoning effort", True),
    "emergence": ("Emergence", True), "frontier": ("Frontier architectures", False),
}
PLOTLY_TAG = '<script src="/static/vendor/plotly.min.js"></script>\n'


def render_page(name: str) -> str:
    title, plotly_charts = PAGES[name]
    layout = Template((WEB / "pages" / "_layout.html").read_text("utf-8"))
    return layout.substitute(title=title, plotly=PLOTLY_TAG if plotly_charts else "", name=name,
                             body=(WEB / "pages" / f"{name}.html").read_text("utf-8").rstrip())


def create_app(allowed_hosts: Iterable[str] = LOOPBACK_HOSTS, *, runs_dir: Path | None = None,
               max_body_bytes: int = MAX_BODY_BYTES, max_query_bytes: int = MAX_QUERY_BYTES) -> FastAPI:
    """The lab, answering only requests addressed to ``allowed_hosts`` (names or addresses, any port),
    with its reasoning model read from and trained in ``runs_dir`` (default: $LLMLAB_HOME or ./runs).

    Every error is JSON ``{"error": "one line"}``: bad input 422, refused requests 400/403/413/414/415,
    anything unexpected 500 with no traceback (that goes to the server's log).
    """
    app = FastAPI(title="llmlab", docs_url=None, redoc_url=None, default_response_class=FiniteJSONResponse)
    app.add_middleware(RequestGuard, allowed_hosts=tuple(allowed_hosts), max_body_bytes=max_body_bytes,
                       max_query_bytes=max_query_bytes)
    app.state.reasoner = Reasoner(runs_dir or default_runs_dir())
    app.include_router(router)

    @app.exception_handler(LlmlabError)
    async def bad_input(_: Request, exc: LlmlabError) -> Response:
        return error_response(422, str(exc) or "invalid request")

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> Response:
        return error_response(422, describe(exc.errors(), flags=False))

    @app.exception_handler(ValidationError)
    async def bad_model(_: Request, exc: ValidationError) -> Response:
        return error_response(422, describe(exc.errors(), flags=False))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> Response:
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> Response:
        # The traceback goes to the server's log (uvicorn logs the exception this handler re-raises).
        return error_response(500, f"internal error ({type(exc).__name__}): see the terminal running llmlab serve")

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    def page(name: str):
        html = render_page(name)

        async def serve_page() -> HTMLResponse:  # async: answered on the event loop, never queued
            return HTMLResponse(html)
        return serve_page

    for name in PAGES:
        app.get("/" if name == "index" else f"/{name}", include_in_schema=False)(page(name))
    return app


app = create_app()
