from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from media.signing import SignatureExpired, SignatureInvalid, sign_path, verify_path

KEY = b"k" * 32
NOW = 1_800_000_000.0
MASTER = "/media/t1/a1/hls/master.m3u8"


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


@pytest.mark.parametrize(
    "path",
    [MASTER, "/media/t1/a1/hls/720p/index.m3u8", "/media/t1/a1/hls/720p/seg_00003.ts"],
)
def test_a_signed_playlist_authorizes_its_folder(path: str) -> None:
    _, params = split(sign_path(MASTER, KEY, ttl_s=60, now=NOW))
    verify_path(path, params, KEY, now=NOW + 59)


@pytest.mark.parametrize(
    ("path", "key", "at", "error"),
    [
        (MASTER, KEY, NOW + 61, SignatureExpired),
        (MASTER, b"other key", NOW, SignatureInvalid),
        ("/media/t1/a2/hls/master.m3u8", KEY, NOW, SignatureInvalid),  # another asset
        ("/media/t2/a1/hls/master.m3u8", KEY, NOW, SignatureInvalid),  # another tenant
        ("/media/t1/a1/hls/../../a2/source", KEY, NOW, SignatureInvalid),
    ],
)
def test_signatures_are_refused_outside_their_scope_or_time(
    path: str, key: bytes, at: float, error: type[Exception]
) -> None:
    _, params = split(sign_path(MASTER, KEY, ttl_s=60, now=NOW))
    with pytest.raises(error):
        verify_path(path, params, key, now=at)


@pytest.mark.parametrize(
    "tamper",
    [
        {"exp": str(int(NOW) + 10_000)},  # extended expiry
        {"scope": "/media/"},  # widened scope
        {"sig": ""},
    ],
)
def test_tampered_parameters_are_refused(tamper: dict[str, str]) -> None:
    _, params = split(sign_path(MASTER, KEY, ttl_s=60, now=NOW))
    with pytest.raises(SignatureInvalid):
        verify_path(MASTER, {**params, **tamper}, KEY, now=NOW)


def test_unsigned_urls_are_refused() -> None:
    with pytest.raises(SignatureInvalid, match="not signed"):
        verify_path(MASTER, {}, KEY, now=NOW)
