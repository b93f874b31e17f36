"""The client runtime in real Chromium against a server that speaks its protocol.

Each test serves the freshly built bundle and a page like the renderer's, drives Chromium,
and asserts on what the browser sent and what the page shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from engine.compiler import build_client_runtime
from tests.client.app import CSRF, State, build_app, serve
from tests.fixtures.browser import artifact

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    build_client_runtime(out)
    return out


@pytest.fixture(scope="module")
def server(bundle_dir: Path) -> Iterator[tuple[str, State]]:
    shared = State()
    with serve(build_app(shared, bundle_dir)) as url:
        yield url, shared


@pytest.fixture
def state(server: tuple[str, State]) -> State:
    shared = server[1]
    shared.reset()
    return shared


@pytest.fixture
def base_url(server: tuple[str, State], state: State) -> str:
    return server[0]


async def open_home(page: Page, base_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(f"{base_url}/acme/home")
    await page.wait_for_function("window.MetaBuilder !== undefined")
    # Marks this document: it survives swaps and is gone after a full page load.
    await page.evaluate("window.__sameDocument = true")
    assert errors == []


async def next_event(page: Page, name: str) -> None:
    """Arm a promise on the document that resolves with the next `name` event's detail."""
    await page.evaluate(
        """name => { window.__events = window.__events || {};
        window.__events[name] = new Promise(resolve => document.addEventListener(
            name, e => resolve(JSON.parse(JSON.stringify(e.detail ?? null))), {once: true})); }""",
        name,
    )


async def event_detail(page: Page, name: str, timeout_ms: int = 15_000) -> Any:
    """The armed event's detail; fails (instead of hanging) if it does not come in time."""
    return await page.evaluate(
        """([name, ms]) => Promise.race([window.__events[name], new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms`)), ms))])""",
        [name, timeout_ms],
    )


async def test_a_click_posts_json_with_the_csrf_token_and_swaps_the_main_region(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click("#inc")
    detail = await event_detail(page, "mb:action-done")

    [request] = state.actions()
    assert (request.method, request.path) == ("POST", "/api/v1/acme/counter/actions/increment")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-csrf-token"] == CSRF
    assert request.headers["accept"] == "application/json"
    assert request.body == {"input": {"by": 2}}
    refresh = state.requests[-1]
    assert (refresh.path, refresh.headers.get("x-mb-fragment")) == ("/acme/home", "main")
    assert detail["action"] == "increment"
    assert detail["package"] == "counter"
    assert detail["answer"]["result"] == {"count": 2}
    await expect(page.locator("#count")).to_have_text("Count: 2")
    assert await page.evaluate("window.__sameDocument") is True
    assert await page.locator("#mb-main h1").count() == 1  # the fragment, not a nested page


async def test_a_flow_action_starts_the_flow_through_its_page_trigger(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click("#flow")
    detail = await event_detail(page, "mb:action-done")

    [request] = state.actions()
    assert (request.method, request.path) == ("POST", "/api/v1/acme/counter/flows/review")
    assert request.query == "trigger=page"
    assert request.headers["x-csrf-token"] == CSRF
    assert request.body == {"input": {"note": "n1"}}
    assert detail["action"] == "flow:review"


async def test_a_form_is_sent_as_typed_json_instead_of_submitting(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click("#draft")
    await event_detail(page, "mb:action-done")

    [request] = state.actions()
    assert request.path == "/api/v1/acme/profiles/actions/save"
    assert request.body == {
        "input": {
            "title": "Hello",
            "age": 42,
            "empty_number": None,
            "agree": True,
            "newsletter": False,
            "tags": ["red", "blue"],
            "color": "magenta",
            "size": None,
            "langs": ["py", "go"],
            "bio": "Line one\nLine two",
            "ids": ["7"],
            "intent": "draft",
        }
    }
    assert page.url.endswith("/acme/home")
    assert await page.evaluate("window.__sameDocument") is True


async def test_without_javascript_the_form_still_submits_normally(
    browser: Browser, base_url: str, state: State
) -> None:
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/acme/home")
        await page.click("#save")
        await expect(page.locator("#plain")).to_have_text("Submitted without JS")
    finally:
        await context.close()
    [posted] = [r for r in state.requests if r.path == "/acme/form-submit"]
    assert "title=Hello" in posted.body
    assert f"csrf_token={CSRF}" in posted.body
    assert state.actions() == []


async def test_the_element_is_busy_and_disabled_while_the_action_is_in_flight(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click("#slow")
    button = page.locator("#slow")
    await expect(button).to_have_attribute("aria-busy", "true")
    await expect(button).to_be_disabled()
    await page.click("#slow", force=True)  # a second click while busy sends nothing
    state.release.set()
    await event_detail(page, "mb:action-done")
    await expect(page.locator("#slow")).to_be_enabled()
    assert await page.locator("#slow").get_attribute("aria-busy") is None
    assert len(state.actions()) == 1


async def test_an_error_answer_shows_its_message_in_an_alert_and_keeps_the_page(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-error")
    await page.click("#fail")
    detail = await event_detail(page, "mb:action-error")
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Title is required")
    await page.screenshot(path=artifact("client-error-toast.png"))
    assert detail["action"] == "fail"
    assert [r.path for r in state.requests if r.headers.get("x-mb-fragment")] == []
    await alert.get_by_role("button", name="Dismiss").click()
    await expect(page.get_by_role("alert")).to_have_count(0)


async def test_a_link_bound_to_an_action_does_not_navigate(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click("#link-action")
    await event_detail(page, "mb:action-done")
    assert page.url.endswith("/acme/home")
    assert [r.body for r in state.actions()] == [{"input": {}}]


@pytest.mark.parametrize(
    ("selector", "gesture", "action", "expected_input"),
    [
        ("#pick", "select:b", "pick", ["b", "fixed"]),  # $event filled from the DOM event
        ("#solo", "fill:8", "solo", {"solo": 8}),  # a lone control sends its own value
        ("#multi", "dblclick", "twice", {"n": 2}),  # data-mb-events: more events per element
        ("#card", "press:Enter", "increment", {}),  # role=button answers the keyboard
        ("#card", "press: ", "increment", {}),
    ],
)
async def test_other_events_and_inputs_bind_as_the_renderer_declares(
    page: Page,
    base_url: str,
    state: State,
    selector: str,
    gesture: str,
    action: str,
    expected_input: Any,
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    kind, _, value = gesture.partition(":")
    if kind == "select":
        await page.select_option(selector, value)
    elif kind == "fill":
        await page.fill(selector, value)
        await page.dispatch_event(selector, "change")
    elif kind == "press":
        await page.focus(selector)
        await page.keyboard.press("Space" if value == " " else value)
    else:
        await page.dblclick(selector)
    await event_detail(page, "mb:action-done")
    [request] = state.actions()
    assert request.path == f"/api/v1/acme/counter/actions/{action}"
    assert request.body == {"input": expected_input}


async def test_nav_links_swap_the_main_region_and_keep_history(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:navigated")
    await page.click("#to-other")
    await event_detail(page, "mb:navigated")
    await expect(page.locator("#other")).to_have_text("Welcome to the other page")
    assert page.url == f"{base_url}/acme/other?x=1"
    assert await page.title() == "Other · ünïcode"
    assert await page.evaluate("window.__otherScriptRuns") == 1  # swapped-in scripts run
    assert await page.get_attribute("#mb-main", "aria-busy") is None  # busy only while loading
    assert await page.evaluate("window.__sameDocument") is True
    assert state.requests[-1].headers.get("x-mb-fragment") == "main"

    await page.go_back()
    await expect(page.locator("#count")).to_have_text("Count: 0")
    assert page.url == f"{base_url}/acme/home"
    await page.go_forward()
    await expect(page.locator("#other")).to_be_visible()
    assert await page.evaluate("window.__sameDocument") is True


@pytest.mark.parametrize(
    ("button", "path", "query"),
    [
        ("#bg", "/api/v1/acme/counter/actions/resize", "async=1"),  # data-mb-async asks
        ("#auto", "/api/v1/acme/counter/actions/auto", ""),  # the server decided
    ],
)
async def test_a_background_run_is_followed_over_server_sent_events(
    page: Page, base_url: str, state: State, button: str, path: str, query: str
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-done")
    await page.click(button)
    progress = page.locator(".mb-toast[role=status]")
    await expect(progress.filter(has_text="Resizing (50%)")).to_be_visible()
    detail = await event_detail(page, "mb:action-done")
    assert detail["answer"]["status"] == "completed"
    assert detail["answer"]["result"] == {"resized": 3}
    await expect(page.locator("#count")).to_have_text("Count: 10")
    [start] = state.actions()
    assert (start.path, start.query) == (path, query)
    assert any(r.path == "/api/v1/acme/runs/acme/counter/resize/1/events" for r in state.requests)
    await expect(progress).to_have_count(0)


@pytest.mark.parametrize(
    ("button", "message"),
    [
        ("#bg-fail", "Out of pixels"),  # the run's `error` event
        ("#lost", "Lost the connection to the run"),  # the events stream is not there
        ("#quota", "Quota exceeded"),  # a 2xx answer whose status is "failed"
    ],
)
async def test_a_run_that_fails_shows_why(
    page: Page, base_url: str, button: str, message: str
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:action-error")
    await page.click(button)
    await event_detail(page, "mb:action-error")
    await expect(page.get_by_role("alert")).to_contain_text(message)


@pytest.mark.parametrize(("answer", "sent"), [(False, 0), (True, 1)])
async def test_a_confirmation_comes_first(
    page: Page, base_url: str, state: State, answer: bool, sent: int
) -> None:
    await open_home(page, base_url)
    questions: list[str] = []

    async def reply(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await (dialog.accept() if answer else dialog.dismiss())

    page.on("dialog", reply)
    await next_event(page, "mb:action-done")
    await page.click("#careful")
    if answer:
        await event_detail(page, "mb:action-done")
    else:
        await page.wait_for_timeout(200)
    assert questions == ["Really?"]
    assert len(state.actions()) == sent


async def test_the_toast_api_is_available_to_package_scripts(page: Page, base_url: str) -> None:
    await open_home(page, base_url)
    await page.evaluate("window.MetaBuilder.toast('Saved', 'success')")
    toast = page.locator(".mb-toast[role=status]").filter(has_text="Saved")
    await expect(toast).to_be_visible()
    await expect(toast).to_have_attribute("data-kind", "success")


async def test_the_main_region_is_busy_while_the_next_page_loads(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await page.click("#to-slow")
    await expect(page.locator("#mb-main")).to_have_attribute("aria-busy", "true")
    state.release.set()
    await expect(page.locator("#slow-page")).to_have_text("Finally")
    await expect(page.locator("#mb-main")).not_to_have_attribute("aria-busy", "true")


async def test_a_get_form_marked_for_navigation_navigates_with_its_query(
    page: Page, base_url: str
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:navigated")
    await page.click("#go")
    await event_detail(page, "mb:navigated")
    assert page.url == f"{base_url}/acme/other?q=cats+%26+dogs"
    await expect(page.locator("#query")).to_have_text("q=cats+%26+dogs")
    assert await page.evaluate("window.__sameDocument") is True


async def test_links_to_other_origins_are_left_to_the_browser(page: Page, base_url: str) -> None:
    await open_home(page, base_url)
    await page.route("https://example.invalid/**", lambda route: route.fulfill(body="away"))
    await page.click("#external")
    await page.wait_for_url("https://example.invalid/")


async def test_a_link_to_something_other_than_a_page_loads_normally(
    page: Page, base_url: str
) -> None:
    await open_home(page, base_url)
    await page.click("#to-json")
    await page.wait_for_url(f"{base_url}/acme/data.json")
    assert await page.evaluate("window.__sameDocument") is None


async def test_toasts_pile_up_to_four_then_the_oldest_gives_way(page: Page, base_url: str) -> None:
    await open_home(page, base_url)
    await page.evaluate("for (const n of [1, 2, 3, 4, 5, 6]) window.MetaBuilder.toast(`T${n}`)")
    await expect(page.locator(".mb-toast p")).to_have_text(["T3", "T4", "T5", "T6"])


@pytest.mark.parametrize("button", ["#go-short", "#go-full"])
async def test_navigate_to_runs_in_the_browser_under_the_tenant_base(
    page: Page, base_url: str, state: State, button: str
) -> None:
    await open_home(page, base_url)
    await next_event(page, "mb:navigated")
    await page.click(button)
    await event_detail(page, "mb:navigated")
    assert page.url == f"{base_url}/acme/other?x=1"
    assert await page.evaluate("window.__sameDocument") is True
    assert state.actions() == []


async def test_navigate_to_refuses_other_sites(page: Page, base_url: str, state: State) -> None:
    await open_home(page, base_url)
    await page.click("#go-away")
    await expect(page.get_by_role("alert")).to_contain_text("needs a path on this site")
    assert page.url == f"{base_url}/acme/home"
    assert state.actions() == []


async def test_a_package_script_can_handle_an_action_in_the_browser(
    page: Page, base_url: str, state: State
) -> None:
    await open_home(page, base_url)
    await page.evaluate(
        """window.MetaBuilder.registerAction(
            "shout", (input, context) => ({ said: input[0].toUpperCase(), in: context.package }),
            "counter")"""
    )
    await next_event(page, "mb:action-done")
    await page.click("#shout")
    detail = await event_detail(page, "mb:action-done")
    assert detail["answer"]["result"] == {"said": "HI", "in": "counter"}
    assert state.actions() == []
