"""The Lua scripts of `lua/`, one file a script (a shared prologue in a file of its own).

@note The mock server runs the same scripts (packages/mock-server/src/redis/scripts.ts and
presenceScripts.ts) on the same Redis layout. Two languages keep two copies; the test
`tests/test_lua_scripts.py` fails as soon as they differ, so change both together.
"""
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"


def lua(*names):
    """The text of the scripts `names` (file names without `.lua`), joined in order."""
    return "\n".join((LUA_DIR / f"{name}.lua").read_text(encoding="utf-8") for name in names)
