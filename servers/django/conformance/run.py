#!/usr/bin/env python3
"""Runs the protocol's conformance kit (@lifeline/conformance) against this server: its own
redis-server and two daphne processes of the example project (free ports, stopped by pid), with
short timings so the heartbeat and timeout cases take seconds. Extra arguments go to the kit.

    pnpm --filter @lifeline/conformance build
    /usr/bin/python3 servers/django/conformance/run.py [--replicas 1|2] [--level core] [--transport sse] ...

With `--replicas 1` only one daphne process runs (every level but multi-replica); the default, 2,
adds a second process on the same Redis and the multi-replica cases. Every level runs (core,
recovery, presence, limits, multi-replica): nothing is declared not applicable.

Exit code: the kit's (0 when no case failed).
"""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.support.processes import DaphneProcess, RedisProcess  # noqa: E402

KIT = HERE.parent.parent.parent / "packages" / "conformance"
#: Matches config.json: its users' secret, its API key, its origins, its limits.
SERVER_ENV = {
    "LIFELINE_JWT_SECRET": "conformance-secret",
    "LIFELINE_API_KEY": "conformance-key",
    "LIFELINE_ALLOWED_ORIGINS": "http://allowed.test",
    "LIFELINE_HEARTBEAT_MS": "3000",
    "LIFELINE_POLL_MS": "2000",
    "LIFELINE_CONNECT_TIMEOUT_MS": "2000",
    "LIFELINE_HISTORY_SIZE": "30",
}


def main():
    if not (KIT / "dist" / "cli.js").exists():
        print(f"{KIT / 'dist' / 'cli.js'} is missing: run `pnpm --filter @lifeline/conformance build` first", file=sys.stderr)
        return 2
    args = sys.argv[1:]
    replicas = 2
    if args[:1] == ["--replicas"]:
        replicas, args = int(args[1]), args[2:]
    redis = RedisProcess().start()
    servers = []
    try:
        servers = [DaphneProcess(redis.url, **SERVER_ENV).start() for _ in range(replicas)]
        second = ["--url2", servers[1].url] if replicas > 1 else []
        command = ["node", str(KIT / "bin" / "lifeline-conformance.js"), "--url", servers[0].url, *second,
                   "--config", str(HERE / "config.json"), *args]
        return subprocess.run(command, timeout=600).returncode
    finally:
        for server in servers:
            server.stop()
        redis.stop()


if __name__ == "__main__":
    sys.exit(main())
