"""Run links point at the configured Temporal UI, one path segment per id."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import load_settings
from engine.errors import ConfigError
from web.api.run_view import temporal_url


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8233/namespaces/default/workflows/acme%2Fp%2Fa%2F1/r1/history"),
        (
            {"METABUILDER_TEMPORAL_UI_URL": "https://temporal.example.com/ui/"},
            "https://temporal.example.com/ui/namespaces/default/workflows/acme%2Fp%2Fa%2F1/r1/history",
        ),
    ],
)
def test_links_follow_the_configured_ui(
    tmp_path: Path, environ: dict[str, str], expected: str
) -> None:
    settings = load_settings(environ, data_dir=tmp_path)
    assert temporal_url(settings.temporal_ui_url, "default", "acme/p/a/1", "r1") == expected


def test_ids_cannot_escape_their_segment() -> None:
    url = temporal_url("https://t.example", "a/b", "../../x?y#z", "r/1")
    assert url == "https://t.example/namespaces/a%2Fb/workflows/..%2F..%2Fx%3Fy%23z/r%2F1/history"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "temporal.example.com", "//evil.example"])
def test_a_ui_url_must_be_http(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="TEMPORAL_UI_URL"):
        load_settings({"METABUILDER_TEMPORAL_UI_URL": bad}, data_dir=tmp_path)
