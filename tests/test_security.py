"""The lab stays local and bounded: foreign hosts and cross-site writes are refused, bodies and
query strings are bounded, every error is one line of JSON, heavy routes cannot stall cheap ones,
and `llmlab serve` refuses a bad port or host with one line and exit status 2."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import httpx2
import pytest
from fastapi.testclient import TestClient

import llmlab.cli as cli
from llmlab.errors import LlmlabError
from llmlab.web.app import create_app
from llmlab.web.heavy import HEAVY_WORKERS, heavy
from llmlab.web.security import split_host
from llmlab.web.server import allowed_hosts, bind

LOCAL = "http://127.0.0.1"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def lab():
    """The lab plus two test routes: a write that counts its calls, and routes that misbehave."""
    app = create_app()
    app.state.writes = 0

    @app.post("/test/write")
    def write(body: dict) -> dict:
        app.state.writes += 1
        return {"ok": True}

    @app.get("/test/nan")
    def nan():
        return {"value": float("nan"), "values": [float("inf"), 1.5]}

    @app.get("/test/crash")
    def crash() -> dict:
        raise RuntimeError("secret internals /home/someone/file.py")

    return app


@pytest.fixture(scope="module")
def client(lab):
    return TestClient(lab, base_url=LOCAL, raise_server_exceptions=False)


def test_only_loopback_and_bound_hosts_are_served(client):
    for host in ("127.0.0.1", "127.0.0.1:8000", "localhost:1234", "LOCALHOST", "[::1]:8000", "[::1]"):
        assert client.get("/api/health", headers={"host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "testserver", "::1", "", "a:b:c"):
        response = client.get("/api/health", headers={"host": host})
        assert response.status_code == 400 and "error" in response.json(), host
    assert client.get("/", headers={"host": "rebound.example"}).status_code == 400  # pages too
    custom = TestClient(create_app(allowed_hosts=["lab.internal"]), base_url="http://lab.internal")
    assert custom.get("/api/health").json() == {"ok": True}
    assert split_host("[::1]:8000") == ("::1", 8000) and split_host("localhost:99999") is None


def test_cross_site_writes_are_refused_before_anything_runs(lab, client):
    before = lab.state.writes
    foreign = {"origin": "http://evil.example"}
    form = client.post("/test/write", data={"a": "b"}, headers=foreign)
    assert form.status_code == 403 and "cross-origin" in form.json()["error"]
    assert client.post("/test/write", json={}, headers=foreign).status_code == 403
    assert client.post("/test/write", json={}, headers={"origin": "null"}).status_code == 403
    assert client.post("/test/write", json={}, headers={"origin": "http://127.0.0.1:9999"}).status_code == 403
    assert client.post("/test/write", json={}, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert client.post("/api/reasoning/train", data={"a": "b"}, headers=foreign).status_code == 403
    assert lab.state.writes == before  # the route never ran
    same = client.post("/test/write", json={}, headers={"origin": LOCAL, "sec-fetch-site": "same-origin"})
    assert same.status_code == 200 and lab.state.writes == before + 1


def test_same_origin_json_post_is_accepted(client):
    response = client.post("/api/plan", json={}, headers={"origin": LOCAL})
    assert response.status_code == 200, response.text
    assert "options" in response.json()


def test_post_bodies_must_be_json(lab, client):
    before = lab.state.writes
    for headers, body in (({}, b'{"a": 1}'), ({"content-type": "text/plain"}, b'{"a": 1}'),
                          ({"content-type": "application/x-www-form-urlencoded"}, b"a=1"),
                          ({"content-type": "multipart/form-data; boundary=x"}, b"--x--")):
        response = client.post("/test/write", content=body, headers=headers)
        assert response.status_code == 415 and "application/json" in response.json()["error"]
    assert lab.state.writes == before
    charset = client.post("/test/write", content=b"{}", headers={"content-type": "application/json; charset=utf-8"})
    assert charset.status_code == 200


def test_bodies_and_query_strings_are_bounded():
    small = TestClient(create_app(max_body_bytes=1000, max_query_bytes=100), base_url=LOCAL)
    declared = small.post("/api/plan", content=b"[" + b" " * 2000 + b"]", headers=JSON)
    assert declared.status_code == 413 and "larger than 1000 bytes" in declared.json()["error"]

    def chunks():  # no Content-Length: the bytes are counted as they arrive
        for _ in range(20):
            yield b" " * 100
    chunked = small.post("/api/plan", content=chunks(), headers=JSON)
    assert chunked.status_code == 413
    assert small.get("/api/health", params={"q": "x" * 200}).status_code == 414
    assert small.get("/api/health", params={"q": "x" * 50}).status_code == 200
    default = TestClient(create_app(), base_url=LOCAL)
    assert default.post("/api/plan", content=b"[" + b" " * (4 << 20) + b"]", headers=JSON).status_code == 413


@pytest.mark.parametrize("body", [b'{"requests_per_day": 1e400}', b'{"requests_per_day": NaN}',
                                  b'{"monthly_budget": Infinity}', b'{"monthly_budget": -Infinity}',
                                  b'{"x": [1, {"y": 1E999}]}', b'{"requests_per_day": ', b"\xff\xfe{",
                                  b"[" * 100_000 + b"]" * 100_000, b'{"n": 1' + b"0" * 5000 + b"}"])
def test_bad_json_bodies_are_422_with_one_line(client, body):
    response = client.post("/api/plan", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert isinstance(error, str) and "\n" not in error and error


def test_errors_are_json_and_responses_never_hold_nan(client):
    assert client.get("/test/nan").json() == {"value": None, "values": [None, 1.5]}
    crash = client.get("/test/crash")
    assert crash.status_code == 500 and crash.headers["content-type"] == "application/json"
    assert crash.json()["error"].startswith("internal error") and "secret" not in crash.text
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    invalid = client.post("/api/plan", json={"no_such_field": 1})
    assert invalid.status_code == 422 and "no_such_field" in invalid.json()["error"]


def test_heavy_routes_do_not_stall_health():
    """20 concurrent CPU-bound requests on a @heavy route; /api/health stays quick meanwhile."""
    app = create_app()
    running, peak, lock = 0, 0, threading.Lock()

    @app.get("/test/heavy")
    @heavy
    def burn(ms: int = 40) -> dict:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        deadline, total = time.perf_counter() + ms / 1000, 0
        while time.perf_counter() < deadline:  # pure Python: holds the GIL like the frontier table does
            total += sum(range(2000))
        with lock:
            running -= 1
        return {"total": total}

    async def scenario() -> tuple[list[float], list[int]]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url=LOCAL, timeout=60) as http:
            slow = [asyncio.create_task(http.get("/test/heavy", params={"ms": 60})) for _ in range(20)]
            await asyncio.sleep(0.05)
            latencies = []  # only those measured while heavy requests were still running or queued
            while len(latencies) < 15 and not all(task.done() for task in slow):
                start = time.perf_counter()
                assert (await http.get("/api/health")).status_code == 200
                if not all(task.done() for task in slow):
                    latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.01)
            statuses = [response.status_code for response in await asyncio.gather(*slow)]
        return latencies, statuses

    # A thread of its own: Playwright's sync API keeps an event loop running in the main thread of the session.
    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        latencies, statuses = runner.submit(asyncio.run, asyncio.wait_for(scenario(), timeout=120)).result()
    assert statuses == [200] * 20
    assert len(latencies) >= 5, f"too few health samples under load to judge: {latencies}"
    assert peak <= HEAVY_WORKERS
    assert statistics.median(latencies) < 0.2, latencies


def test_heavy_refuses_async_routes():
    with pytest.raises(TypeError):
        @heavy
        async def route() -> dict:
            return {}


# ---------------------------------------------------------------- llmlab serve


@pytest.fixture
def serve_cli(monkeypatch, capsys):
    """Run `llmlab ARGS` through the real CLI entry point (only the serve command registered)."""
    monkeypatch.setattr(cli, "COMMANDS", ("serve",))

    def run(*args: str) -> tuple[int, str]:
        status = cli.main(list(args))
        return status, capsys.readouterr().err
    return run


@pytest.mark.parametrize("port", ["70000", "0", "-1", "abc"])
def test_serve_refuses_ports_outside_the_range(serve_cli, port):
    status, err = serve_cli("serve", "--port", port)
    assert status == 2 and err.count("\n") == 1 and "--port" in err


def test_serve_refuses_a_port_in_use_with_one_line(serve_cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        status, err = serve_cli("serve", "--port", str(port))
    assert status == 2 and err.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is in use: pick another with --port" in err


def test_serve_refuses_a_bad_host_with_one_line(serve_cli):
    status, err = serve_cli("serve", "--host", "no-such-host.invalid", "--port", "8000")
    assert status == 2 and err.count("\n") == 1 and "cannot bind host 'no-such-host.invalid'" in err


def test_allowed_hosts_include_the_bound_host():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sock = bind("localhost", port)
    try:
        assert {"127.0.0.1", "localhost", "::1"} <= set(allowed_hosts("localhost", sock))
    finally:
        sock.close()
    with pytest.raises(LlmlabError, match="outside 1-65535"):
        bind("127.0.0.1", 70000)


def test_serve_answers_on_its_port_and_only_to_its_hosts(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LLMLAB_HOME": str(tmp_path), "GOMP_SPINCOUNT": "0"}
    code = f"from llmlab.web.server import serve; serve('127.0.0.1', {port})"
    server = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/health"
        for _ in range(300):
            try:
                assert urllib.request.urlopen(url, timeout=2).read() == b'{"ok": true}'
                break
            except (OSError, urllib.error.URLError):
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        else:
            pytest.fail("the lab did not start")
        foreign = urllib.request.Request(url, headers={"Host": f"evil.example:{port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(foreign, timeout=5)
        assert refused.value.code == 400
    finally:
        server.terminate()
        server.wait(15)
    assert server.stderr.read().splitlines()[0] == f"llmlab lab on http://127.0.0.1:{port} (Ctrl+C stops it)"
