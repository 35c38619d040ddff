"""A schema-driven fuzz of the lab's HTTP API (schemathesis, in-process against the app's own OpenAPI):
whatever the generated requests, no route answers 500 and every answer is valid JSON."""

from __future__ import annotations

import json
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from llmlab.web.app import create_app

# An empty runs folder: the reasoning routes answer "no model yet"; training is never started.
RUNS = tempfile.mkdtemp(prefix="llmlab-api-fuzz-")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(allowed_hosts=["testserver"], runs_dir=RUNS))
schema = schema.exclude(method="POST", path="/api/reasoning/train")


def strict_json(response, case) -> None:
    """Every answer is JSON that standard parsers accept: no NaN, no Infinity."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{case.method} {case.path} answered {constant} in JSON")

    json.loads(response.text, parse_constant=refuse)


@schema.parametrize()
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_500_or_invalid_json(case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
    strict_json(response, case)
