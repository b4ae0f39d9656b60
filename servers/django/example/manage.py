#!/usr/bin/env python3
"""Django's command-line utility for the Lifeline example project."""
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The package lives next to the example, not installed: make it importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
