"""ASGI entry point: `daphne example_project.asgi:application`. The Lifeline endpoints (`/ws`,
`/sse…`, `/poll…`, `/publish`, `/healthz`, `/metrics`) first, Django for everything else."""
import os
import sys
from pathlib import Path

# The package lives next to the example, not installed: make it importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_app = get_asgi_application()

from lifeline_channels.routing import lifeline_application  # noqa: E402

application = lifeline_application(django_app)
