#!/bin/sh
# The production topology on this machine, without a container engine: PostgreSQL (a fresh
# database on the local server), Redis, the Temporal dev server, nginx with TLS, two web
# processes and two workers, all on 127.0.0.1. See deploy/local_cluster.py; Ctrl-C stops all.
#   deploy/local-cluster.sh [--run-dir DIR] [--webs N] [--workers N]
set -eu
cd "$(dirname "$0")/.."
sh deploy/scripts/install-tools.sh
exec .venv/bin/python -m deploy.local_cluster "$@"
