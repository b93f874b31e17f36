"""The Starlette application, wired from lists in one factory.

Routes and middleware are declared here once; the services (database, package catalog,
renderer, Temporal connection) come in through `WebServices`, built by the CLI.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from web import actions, health, pages, views
from web.api import entities as entities_api
from web.api import flows as flows_api
from web.api import media as media_api
from web.api import packages as packages_api
from web.api import runs as runs_api
from web.auth import setup as auth_setup
from web.auth.config import AuthConfig
from web.auth.headers import SecurityHeadersMiddleware
from web.errors import (
    ApiError,
    api_error_handler,
    http_exception_handler,
    unhandled_error_handler,
)
from web.metrics import MetricsMiddleware
from web.middleware.csrf import CSRFMiddleware
from web.render.theme import BASE_STYLESHEET_PATH
from web.services import WebServices

STATIC_DIR = Path(__file__).resolve().parent / "static"
RENDER_STATIC_DIR = BASE_STYLESHEET_PATH.parent


def routes() -> list[BaseRoute]:
    STATIC_DIR.mkdir(exist_ok=True)
    return [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
        *runs_api.routes(),
        *flows_api.routes(),
        *packages_api.routes(),
        *media_api.routes(),
        Route("/api/v1/{tenant}/{package}/actions/{action}", actions.run_action, methods=["POST"]),
        *entities_api.routes(),
        Mount("/static/render", app=StaticFiles(directory=RENDER_STATIC_DIR), name="render-static"),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        *views.routes(),
        Route("/", pages.root_page, methods=["GET", "HEAD"]),
        Route("/{tenant}", pages.page, methods=["GET", "HEAD"]),
        Route("/{tenant}/{path:path}", pages.page, methods=["GET", "HEAD"]),
    ]


def create_app(svc: WebServices, *, auth: AuthConfig | None = None) -> Starlette:
    wiring = auth_setup.wire(svc.db, auth or auth_setup.config_for(svc.settings))
    app = Starlette(
        routes=[*wiring.routes, *routes()],
        middleware=[
            # Outermost: measures everything below and answers /metrics ahead of auth.
            Middleware(MetricsMiddleware, token=svc.settings.metrics_token),
            Middleware(SecurityHeadersMiddleware),
            Middleware(CSRFMiddleware, secure_cookie=wiring.config.secure_cookies),
            *wiring.middleware,
        ],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_exception_handler,
            Exception: unhandled_error_handler,
        },
    )
    app.state.services = svc
    app.state.auth = wiring
    return app
