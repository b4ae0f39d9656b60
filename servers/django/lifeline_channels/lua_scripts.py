"""The Redis Lua scripts, read from the folder this backend shares with the mock server.

Both backends run the same scripts on one Redis layout, so either reads what the other wrote. The
folder is the repository's `packages/protocol/redis`; a deployment outside the repository copies
it and points `LIFELINE['LUA_DIR']` at the copy. Each file's header says what its script does and
which KEYS and ARGV it takes.
"""
import functools
import hashlib
from pathlib import Path

from .resp import RedisError

#: packages/protocol/redis of the repository this package sits in (servers/django/lifeline_channels).
DEFAULT_LUA_DIR = Path(__file__).resolve().parents[3] / "packages" / "protocol" / "redis"

#: Each script this backend runs, as the files it is made of, joined in order: the channel scripts
#: begin with the `epoch_and_clock` prologue, the presence scripts that read members with the
#: `presence_functions` one (as the mock server joins them).
SCRIPTS = {
    "publish": ("epoch_and_clock", "publish"),
    "history": ("epoch_and_clock", "history"),
    "presence_set": ("presence_functions", "presence_set"),
    "presence_members": ("presence_functions", "presence_members"),
    "presence_heartbeat": ("presence_heartbeat",),
    "presence_sweep": ("presence_functions", "presence_sweep"),
}

#: The file names every script needs.
FILES = tuple(sorted({f"{name}.lua" for files in SCRIPTS.values() for name in files}))


class LuaScript:
    """One script's text and SHA1, run with EVALSHA, falling back to EVAL (which makes Redis keep
    it) when Redis does not have it: the first time, or after Redis restarted."""

    __slots__ = ("text", "sha")

    def __init__(self, text):
        self.text = text
        self.sha = hashlib.sha1(text.encode()).hexdigest()

    async def run(self, client, keys, args):
        try:
            return await client.execute("EVALSHA", self.sha, len(keys), *keys, *args)
        except RedisError as error:
            if not str(error).startswith("NOSCRIPT"):
                raise
            return await client.execute("EVAL", self.text, len(keys), *keys, *args)


def missing_files(lua_dir):
    """The files of `FILES` that `lua_dir` does not hold (all of them when it is not a folder)."""
    return [name for name in FILES if not (Path(lua_dir) / name).is_file()]


@functools.cache
def load_scripts(lua_dir):
    """Every script of `SCRIPTS` by name, as a LuaScript; each folder is read once."""
    text = {name: (Path(lua_dir) / name).read_text(encoding="utf-8") for name in FILES}
    return {script: LuaScript("\n".join(text[f"{name}.lua"] for name in files)) for script, files in SCRIPTS.items()}
