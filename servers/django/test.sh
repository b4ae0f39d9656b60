#!/usr/bin/env bash
# Runs the Django backend's tests: they start their own redis-server and daphne processes.
set -euo pipefail
cd "$(dirname "$0")"
exec /usr/bin/python3 -m pytest -q "$@"
