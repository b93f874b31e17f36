"""The services a request handler may use, built by the CLI and stored on the app."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from dbal.database import Database
from engine.config import Settings
from engine.dispatch import Dispatcher
from engine.events import EntityListener
from engine.packages import Catalog
from engine.temporal_client import TemporalConnection
from web.render import Renderer
from web.render_cache import RenderCache
from web.theming import ThemeCache


@dataclass
class WebServices:
    settings: Settings
    db: Database
    catalog: Catalog
    renderer: Renderer
    temporal: TemporalConnection
    dispatcher: Dispatcher
    themes: ThemeCache = field(default_factory=ThemeCache)
    entity_listeners: list[EntityListener] = field(default_factory=list)
    render_cache: RenderCache = field(default_factory=RenderCache)


def services(conn: HTTPConnection) -> WebServices:
    svc = conn.app.state.services
    assert isinstance(svc, WebServices)
    return svc
