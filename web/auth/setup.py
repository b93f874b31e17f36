"""Wiring auth into the app: the accounts service, the inner middleware and the routes.

`web.app.create_app` puts `SecurityHeadersMiddleware` outermost, then CSRF, then what
`wire(...).middleware` returns (authentication, then rate limits, which key actions by user),
and keeps the wiring in `app.state.auth`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from dbal.database import Database
from engine.accounts.service import Accounts
from engine.config import Settings
from web.auth import endpoints, forms
from web.auth.config import AuthConfig
from web.auth.middleware import AuthMiddleware
from web.auth.ratelimit import LimitStore, RateLimitMiddleware


@dataclass(frozen=True)
class AuthWiring:
    accounts: Accounts
    config: AuthConfig
    middleware: list[Middleware]
    routes: list[BaseRoute]
    limit_store: LimitStore

    async def aclose(self) -> None:
        await self.limit_store.aclose()


def config_for(settings: Settings) -> AuthConfig:
    return AuthConfig(redis_url=settings.redis_url, secure_cookies=settings.secure_cookies)


def wire(db: Database, config: AuthConfig) -> AuthWiring:
    accounts = Accounts.for_database(
        db, config.policy, clock=config.clock, delivery=config.delivery
    )
    store = LimitStore(config.redis_url)
    middleware = [
        Middleware(AuthMiddleware, accounts=accounts, secure_cookies=config.secure_cookies),
        Middleware(RateLimitMiddleware, limits=config.rate_limits, store=store),
    ]
    return AuthWiring(accounts, config, middleware, [*endpoints.routes(), *forms.routes()], store)
