"""The lab's web app: the JSON API, the pages and their static assets, all served locally.

FastAPI's /docs page would load Swagger from a CDN, so it is off; /openapi.json stays.
plotly.min.js is served from the installed plotly package, never from the network.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

import plotly
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from llmlab.errors import LlmlabError
from llmlab.web.api import router

WEB = Path(str(resources.files(__package__)))
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Page name -> (title, whether it draws plotly charts). Each page's body is pages/<name>.html and its
# script static/js/<name>.js; the shared head and layout are pages/_layout.html.
PAGES = {
    "index": ("Demos", False), "scaling": ("Scaling laws", True), "moe": ("MoE routing", False),
    "attention": ("Long context", False), "planner": ("Planner", False), "reasoning": ("Reasoning effort", True),
    "emergence": ("Emergence", True), "frontier": ("Frontier architectures", False),
}
PLOTLY_TAG = '<script src="/static/vendor/plotly.min.js"></script>\n'


def render_page(name: str) -> str:
    title, plotly_charts = PAGES[name]
    layout = Template((WEB / "pages" / "_layout.html").read_text("utf-8"))
    return layout.substitute(title=title, plotly=PLOTLY_TAG if plotly_charts else "", name=name,
                             body=(WEB / "pages" / f"{name}.html").read_text("utf-8").rstrip())


def _first_error(exc: RequestValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "body"))
    return f"{where}: {error.get('msg', 'invalid value')}" if where else error.get("msg", "invalid request")


def create_app() -> FastAPI:
    app = FastAPI(title="llmlab", docs_url=None, redoc_url=None)
    app.include_router(router)

    @app.exception_handler(LlmlabError)
    async def bad_input(_: Request, exc: LlmlabError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _first_error(exc), "detail": jsonable_encoder(exc.errors())}, status_code=422)

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    def page(name: str):
        html = render_page(name)
        return lambda: HTMLResponse(html)

    for name in PAGES:
        app.get("/" if name == "index" else f"/{name}", include_in_schema=False)(page(name))
    return app


app = create_app()
