#!/usr/bin/env python3
"""Container health checks for the MetaBuilder image (installed as `mb-healthcheck`).

    mb-healthcheck [web|ready]      (default: $MB_HEALTHCHECK, else "web")

web     GET /healthz: the process is up (liveness).
ready   GET /readyz: a web process reaches its database and Temporal; a worker polls its
        task queue and Temporal answers (readiness).

The port is $MB_HEALTHCHECK_PORT (default 8000, the web port). A worker answers both paths
on the port of `metabuilder worker --health-port` (8001 in the compose files and manifests).
Standard library only, so that a check costs a few milliseconds. Exit 0 when healthy,
1 otherwise, with one line on stdout saying why.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

PATHS = {"web": "/healthz", "ready": "/readyz"}


def check_http(path: str, env: Mapping[str, str]) -> tuple[bool, str]:
    port = env.get("MB_HEALTHCHECK_PORT", "8000")
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return response.status == 200, f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except OSError as exc:
        return False, f"{url} unreachable ({exc})"


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    environ = os.environ if env is None else env
    mode = args[0] if args else environ.get("MB_HEALTHCHECK", "web")
    if mode not in PATHS:
        print(f"mb-healthcheck: unknown check {mode!r} (web or ready)")
        return 2
    ok, why = check_http(PATHS[mode], environ)
    print(("healthy: " if ok else "unhealthy: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
