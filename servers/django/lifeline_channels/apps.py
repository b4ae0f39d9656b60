from django.apps import AppConfig


class LifelineConfig(AppConfig):
    name = "lifeline_channels"
    verbose_name = "Lifeline realtime"

    def ready(self):
        # Fail at start-up, not at the first connection, when LIFELINE is misconfigured.
        from .conf import get_settings

        get_settings()
