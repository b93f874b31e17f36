"""Length-prefixed JSON frames on a stream socket: the only language host and child share.

A frame is a 4-byte big-endian length followed by that many bytes of UTF-8 JSON (an object).
JSON, never pickle: the host must not deserialize anything executable from a child.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 64 * 1024 * 1024
"""Hard ceiling for any frame in either direction (the per-request output caps are lower)."""


class FrameError(Exception):
    """The peer closed the stream, sent a malformed frame, or exceeded the size cap."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=True).encode()
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise FrameError(f"malformed frame: {exc}") from None
    if not isinstance(message, dict):
        raise FrameError("a frame must hold a JSON object")
    return message


def send_sync(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode(message))


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise FrameError("peer closed the stream")
        chunks += chunk
    return bytes(chunks)


def recv_sync(sock: socket.socket, max_bytes: int = MAX_FRAME_BYTES) -> dict[str, Any]:
    (size,) = HEADER.unpack(_recv_exactly(sock, HEADER.size))
    if size > max_bytes:
        raise FrameError(f"frame of {size} bytes exceeds the cap of {max_bytes}")
    return decode(_recv_exactly(sock, size))


async def recv_async(reader: asyncio.StreamReader, max_bytes: int) -> tuple[dict[str, Any], int]:
    """Read one frame; returns it with its size in bytes."""
    try:
        header = await reader.readexactly(HEADER.size)
        (size,) = HEADER.unpack(header)
        if size > max_bytes:
            raise FrameError(f"frame of {size} bytes exceeds the cap of {max_bytes}")
        body = await reader.readexactly(size)
    except asyncio.IncompleteReadError:
        raise FrameError("peer closed the stream") from None
    return decode(body), size
