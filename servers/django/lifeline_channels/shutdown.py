"""A polite stop: on SIGTERM or SIGINT every client first gets `disconnect` 4100 ("reconnect now,
spread over retryAfterMs"), then the server's own handler (daphne's) stops it.

daphne closes the sockets before it cancels the applications, so without this clients only see a
dropped connection and back off instead of reconnecting at once to another process.
"""
import logging
import signal

log = logging.getLogger("lifeline")

#: Time for the disconnect frames to be written before the server's own handler runs.
FLUSH_S = 0.3


def install(loop, disconnect_all):
    """Wraps the current SIGTERM/SIGINT handlers (installed by the server before it ran the loop)."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        if not callable(previous):
            continue  # no Python-level handler to hand over to: leave the default behaviour alone

        def handle(signum=signum, previous=previous):
            try:
                disconnect_all()
            except Exception:
                log.exception("disconnecting clients at shutdown failed")
            loop.call_later(FLUSH_S, previous, signum, None)

        try:
            loop.add_signal_handler(signum, handle)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread, or no signal support on this loop
