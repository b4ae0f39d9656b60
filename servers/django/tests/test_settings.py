"""LIFELINE settings: defaults, the poll hold derived from the heartbeat, typed refusals."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from lifeline_channels.conf import build_settings


def test_defaults_are_the_protocol_defaults():
    settings = build_settings({})
    assert (settings.heartbeat_ms, settings.poll_ms, settings.max_frame_bytes, settings.max_subscriptions) == (25_000, 20_000, 65_536, 128)
    assert (settings.rate_per_second, settings.rate_burst, settings.history_size, settings.idempotency_window_ms) == (100, 200, 1000, 120_000)


def test_the_poll_hold_follows_a_shorter_heartbeat_unless_set():
    assert build_settings({"HEARTBEAT_MS": 5000}).poll_ms == 4000
    assert build_settings({"HEARTBEAT_MS": 5000, "POLL_MS": 3000}).poll_ms == 3000


@pytest.mark.parametrize("overrides, message", [
    ({"HEARTBEAT_MS": 5000, "POLL_MS": 5000}, "POLL_MS"),
    ({"MAX_FRAME_BYTES": 0}, "MAX_FRAME_BYTES"),
    ({"RATE_BURST": "many"}, "RATE_BURST"),
    ({"HEARTBEAT": 1000}, "unknown option"),
    ({"JWT_SECRET": ""}, "JWT_SECRET"),
    ({"PRESENCE_TTL_MS": 999}, r"PRESENCE_TTL_MS'\] must be at least 1000"),
])
def test_bad_settings_are_refused_at_start_up(overrides, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        build_settings(overrides)
