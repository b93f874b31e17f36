"""The original project's 51 Jan-8 packages load in tolerant mode, quirks reported as warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.packages import packages_group
from engine.packages import load_package
from tests.compat import ORIGINAL_HEAD_PACKAGES, ORIGINAL_JAN8_PACKAGES, requires_original

pytestmark = requires_original


def _originals() -> list[Path]:
    if not ORIGINAL_JAN8_PACKAGES.is_dir():
        return []
    return sorted(p for p in ORIGINAL_JAN8_PACKAGES.iterdir() if p.is_dir())


def test_there_are_51_original_packages() -> None:
    assert len(_originals()) == 51


@pytest.mark.parametrize("path", _originals(), ids=lambda p: p.name)
def test_original_package_loads_tolerantly_without_errors(path: Path) -> None:
    result = load_package(path, "tolerant", overlay=ORIGINAL_HEAD_PACKAGES / path.name)
    assert result.errors == []
    assert result.package is not None
    assert result.package.id == path.name
    assert result.package.components
    assert 0 <= result.package.min_level <= 5


def test_nerd_mode_ide_missing_comma_is_repaired() -> None:
    result = load_package(ORIGINAL_JAN8_PACKAGES / "nerd_mode_ide", "tolerant")
    assert result.package is not None
    assert len(result.package.components) == 7
    repaired = [p for p in result.warnings if p.code == "json_repaired"]
    assert [(p.file, p.message) for p in repaired] == [
        ("components/ui.json", "inserted a missing comma at line 510 column 15")
    ]


def test_nerd_mode_ide_fails_strictly_with_file_and_line() -> None:
    result = load_package(ORIGINAL_JAN8_PACKAGES / "nerd_mode_ide", "strict")
    assert result.package is None
    bad = [p for p in result.errors if p.code == "invalid_json"]
    assert bad and bad[0].file == "components/ui.json"
    assert "line 510" in bad[0].message


def test_duplicate_type_keeps_the_component_and_moves_the_input_type() -> None:
    result = load_package(ORIGINAL_JAN8_PACKAGES / "form_builder", "tolerant")
    assert result.package is not None
    field = result.package.component("email_field")
    assert field is not None
    template = field.definition["render"]["template"]
    assert template["type"] == "FormField"
    assert template["inputType"] == "email"
    dup = [p for p in result.warnings if p.code == "duplicate_key"]
    assert "/components/1/render/template/type" in [p.pointer for p in dup]


def test_original_levels_are_normalised_from_the_one_based_scale() -> None:
    level2 = load_package(ORIGINAL_JAN8_PACKAGES / "ui_level2", "tolerant").package
    level6 = load_package(ORIGINAL_JAN8_PACKAGES / "ui_level6", "tolerant").package
    assert level2 is not None and level2.min_level == 1
    assert level6 is not None and level6.min_level == 5


def test_head_page_config_overlay_adds_routes() -> None:
    result = load_package(
        ORIGINAL_JAN8_PACKAGES / "ui_home", "tolerant", overlay=ORIGINAL_HEAD_PACKAGES / "ui_home"
    )
    assert result.package is not None
    root = next(r for r in result.package.pages if r.path == "/")
    assert (root.component, root.level) == ("home_page", 0)


def test_validate_tolerant_prints_one_summary_line_per_package() -> None:
    result = CliRunner().invoke(
        packages_group,
        [
            "validate",
            str(ORIGINAL_JAN8_PACKAGES),
            "--tolerant",
            "--overlay",
            str(ORIGINAL_HEAD_PACKAGES),
            "--no-warnings",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    summaries = [line for line in lines if " components=" in line]
    assert len(summaries) == 51
    assert all(" pages=" in line and " warnings=" in line for line in summaries)
    assert lines[-1] == "51 packages, 0 with errors"
