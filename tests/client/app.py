"""A small Starlette app that plays the server side of the client runtime's protocol.

Pages follow web/html.py's document shape (meta tags, deferred runtime script, `<main
id="mb-main">`, answering `X-MB-Fragment: main` with the region only), under the app's real
Content-Security-Policy. The action endpoint
and the run events stream behave per action name, and every request is recorded so tests
can assert on exactly what the browser sent. It runs under uvicorn in a thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tests.fixtures.ports import free_port
from web.auth.headers import CSP

# The production Content-Security-Policy: the runtime must work without inline script or eval.
POLICY = {"Content-Security-Policy": CSP}
TENANT = "acme"
CSRF = "token-123"


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class State:
    count: int = 0
    requests: list[Recorded] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.count = 0
        self.requests.clear()
        self.release = threading.Event()

    def actions(self) -> list[Recorded]:
        return [r for r in self.requests if "/actions/" in r.path or "/flows/" in r.path]


def document(title: str, main: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title>"
        f"<meta name='mb-tenant' content='{TENANT}'><meta name='mb-csrf' content='{CSRF}'>"
        f"<meta name='mb-base' content='/{TENANT}'>"
        "<script src='/static/build/runtime.js' defer></script></head><body>"
        "<nav data-mb-nav><a id='to-home' href='/acme/home'>Home</a> "
        "<a id='to-other' href='/acme/other?x=1'>Other</a> "
        "<a id='external' href='https://example.invalid/'>Elsewhere</a> "
        "<a id='to-json' href='/acme/data.json'>Data</a> "
        "<a id='to-slow' href='/acme/slow'>Slow page</a></nav>"
        "<form id='search' method='get' action='/acme/other' data-mb-nav>"
        "<input name='q' value='cats &amp; dogs'><button id='go'>Search</button></form>"
        f"<main id='mb-main'>{main}</main>"
        "<div id='mb-toasts' class='mb-toasts' role='status' aria-live='polite'></div>"
        "</body></html>"
    )


def home_main(state: State) -> str:
    return f"""
<h1>Home</h1>
<p id="count">Count: {state.count}</p>
<div data-mb-package="counter">
  <button id="inc" data-mb-action="increment" data-mb-input='{{"by": 2}}'>Add two</button>
  <button id="slow" data-mb-action="slow">Slow</button>
  <button id="fail" data-mb-action="fail">Fail</button>
  <button id="bg" data-mb-action="resize" data-mb-async>Resize</button>
  <button id="bg-fail" data-mb-action="explode" data-mb-async>Explode</button>
  <button id="auto" data-mb-action="auto">Server decides</button>
  <div id="card" role="button" tabindex="0" data-mb-action="increment">A card</div>
  <button id="go-short" data-mb-action="navigateTo" data-mb-input='["/other?x=1"]'>Go</button>
  <button id="go-full" data-mb-action="navigateTo" data-mb-input='["/acme/other?x=1"]'>Go</button>
  <button id="go-away" data-mb-action="navigateTo" data-mb-input='["https://evil.test/"]'>No</button>
  <button id="shout" data-mb-action="shout" data-mb-input='["hi"]'>Shout</button>
  <button id="quota" data-mb-action="quota">Quota</button>
  <button id="flow" data-mb-action="flow:review" data-mb-input='{{"note": "n1"}}'>Review</button>
  <button id="lost" data-mb-action="lost" data-mb-async>Lost</button>
  <button id="careful" data-mb-action="increment" data-mb-confirm="Really?">Careful</button>
  <a id="link-action" href="/nowhere" data-mb-action="increment">Link action</a>
  <select id="pick" name="pick" data-mb-action="pick" data-mb-event="change"
          data-mb-input='[{{"$event": "target.value"}}, "fixed"]'>
    <option value="a">A</option><option value="b">B</option>
  </select>
  <input id="solo" name="solo" type="number" value="5" data-mb-action="solo" data-mb-event="change">
  <div id="multi" data-mb-events='{{"dblclick": {{"action": "twice", "input": {{"n": 2}}}}}}'
       >Double-click me</div>
</div>
<form id="profile" method="post" action="/acme/form-submit"
      data-mb-action="save" data-mb-package="profiles">
  <input type="hidden" name="csrf_token" value="{CSRF}">
  <input name="title" value="Hello">
  <input name="age" type="number" value="42">
  <input name="empty_number" type="number" value="">
  <input name="agree" type="checkbox" checked>
  <input name="newsletter" type="checkbox">
  <input name="tags" type="checkbox" value="red" checked>
  <input name="tags" type="checkbox" value="green">
  <input name="tags" type="checkbox" value="blue" checked>
  <input name="color" type="radio" value="cyan">
  <input name="color" type="radio" value="magenta" checked>
  <input name="size" type="radio" value="s"><input name="size" type="radio" value="m">
  <select name="langs" multiple><option selected>py</option><option>js</option>
    <option selected>go</option></select>
  <textarea name="bio">Line one
Line two</textarea>
  <input name="ids[]" value="7">
  <input name="locked" value="no" disabled>
  <fieldset disabled><input name="inside_disabled" value="no"></fieldset>
  <input name="upload" type="file">
  <button id="save" name="intent" value="publish">Save</button>
  <button id="draft" name="intent" value="draft">Draft</button>
</form>
"""


def other_main(query: str) -> str:
    return (
        '<h1>Other page</h1><p id="other">Welcome to the other page</p>'
        f'<p id="query">{escape(query)}</p>'
        "<script src='/acme/other.js'></script>"
    )


def build_app(state: State, static_dir: Path) -> Starlette:
    async def record(request: Request) -> Recorded:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode()
        entry = Recorded(
            request.method, request.url.path, request.url.query, dict(request.headers), body
        )
        state.requests.append(entry)
        return entry

    def page(title: str, main: str, request: Request) -> Response:
        if request.headers.get("x-mb-fragment") == "main":
            headers = {"X-MB-Title": quote(title), "Vary": "X-MB-Fragment", **POLICY}
            return HTMLResponse(main, headers=headers)
        return HTMLResponse(document(title, main), headers=POLICY)

    async def other_script(request: Request) -> Response:
        code = "window.__otherScriptRuns = (window.__otherScriptRuns || 0) + 1;"
        return Response(code, media_type="text/javascript")

    async def home(request: Request) -> Response:
        await record(request)
        return page("Home", home_main(state), request)

    async def other(request: Request) -> Response:
        await record(request)
        return page("Other · ünïcode", other_main(request.url.query), request)

    async def slow(request: Request) -> Response:
        await record(request)
        await asyncio.to_thread(state.release.wait, 10)  # the test releases it
        return page("Slow", "<h1 id='slow-page'>Finally</h1>", request)

    async def form_submit(request: Request) -> Response:
        await record(request)
        return HTMLResponse(document("Submitted", "<h1 id='plain'>Submitted without JS</h1>"))

    async def action(request: Request) -> Response:
        entry = await record(request)
        name = request.path_params["action"]
        answer = {"workflowId": f"{TENANT}/x/{name}/1", "runId": "r1", "status": "completed"}
        if name == "fail":
            return JSONResponse(
                {"error": "VALIDATION_FAILED", "message": "Title is required"}, status_code=422
            )
        if name == "quota":  # what engine.dispatch answers for a failed run
            failed = {"code": "SCRIPT_ERROR", "message": "Quota exceeded"}
            return JSONResponse({**answer, "status": "failed", "result": None, "error": failed})
        if name == "slow":
            await asyncio.to_thread(state.release.wait, 10)  # the test releases it
        if name == "increment":
            state.count += (entry.body or {}).get("input", {}).get("by", 1)
        if name == "auto":  # the server may run an action in the background on its own
            running = {**answer, "workflowId": "acme/counter/resize/1", "status": "running"}
            return JSONResponse(running, status_code=202)
        if request.query_params.get("async") == "1":
            running = {**answer, "workflowId": f"acme/counter/{name}/1", "status": "running"}
            return JSONResponse({**running, "result": None}, status_code=202)
        return JSONResponse({**answer, "result": {"count": state.count}})

    async def run_events(request: Request) -> Response:
        await record(request)
        started = request.path_params["workflow_id"].split("/")[2]  # tenant/package/action/n
        if started == "lost":
            return JSONResponse({"error": "NOT_FOUND", "message": "No such run"}, status_code=404)

        async def stream() -> AsyncIterator[str]:
            if started == "explode":
                yield 'event: progress\ndata: {"message": "Starting"}\n\n'
                await asyncio.sleep(0.05)
                failure = {"error": "SCRIPT_ERROR", "message": "Out of pixels"}
                yield f"event: error\ndata: {json.dumps(failure)}\n\n"
                return
            for percent in (25, 50):
                progress = {"message": "Resizing", "percent": percent}
                yield f"event: progress\ndata: {json.dumps(progress)}\n\n"
                await asyncio.sleep(0.3)
            state.count += 10
            done = {"status": "completed", "result": {"resized": 3}}
            yield f"event: done\ndata: {json.dumps(done)}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/acme/home", home),
            Route("/acme/other", other),
            Route("/acme/other.js", other_script),
            Route("/acme/slow", slow),
            Route("/acme/data.json", lambda request: JSONResponse({"rows": []})),
            Route("/favicon.ico", lambda request: Response(status_code=204)),
            Route("/acme/form-submit", form_submit, methods=["POST"]),
            Route("/api/v1/{tenant}/{package}/actions/{action}", action, methods=["POST"]),
            Route("/api/v1/{tenant}/{package}/flows/{action}", action, methods=["POST"]),
            Route("/api/v1/{tenant}/runs/{workflow_id:path}/events", run_events),
            Mount("/static/build", StaticFiles(directory=static_dir)),
        ]
    )


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run `app` on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="client-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
