#!/usr/bin/env bash
# Starts the Lifeline example Django project with daphne.
#   servers/django/run.sh [port]          (default: $PORT, else 8000; 0 picks a free one)
# Environment: REDIS_URL, LIFELINE_JWT_SECRET, LIFELINE_API_KEY, LIFELINE_ALLOWED_ORIGINS,
# LIFELINE_<OPTION> (numeric options), LIFELINE_DEMO=1 (gallery token endpoint and sample
# traffic), LIFELINE_GALLERY_DIR (serve the built gallery page). See docs/django.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:-${PORT:-8000}}"
host="${HOST:-127.0.0.1}"
export PYTHONPATH="$here:$here/example${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=example_project.settings
cd "$here/example"
if [ "${LIFELINE_DEMO:-}" = "1" ]; then
  /usr/bin/python3 manage.py lifeline_demo_traffic &
  traffic=$!
  trap 'kill "$traffic" 2>/dev/null || true' EXIT
  /usr/bin/python3 -m daphne -b "$host" -p "$port" example_project.asgi:application
else
  exec /usr/bin/python3 -m daphne -b "$host" -p "$port" example_project.asgi:application
fi
