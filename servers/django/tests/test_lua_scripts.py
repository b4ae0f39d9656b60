"""The Lua scripts are the mock server's, so both backends keep one Redis layout: either can read
what the other wrote, and a change to one backend's scripts fails here until the other has it too."""
import re
from pathlib import Path

import pytest

from lifeline_channels import presence_scripts, scripts

MOCK_REDIS = Path(__file__).resolve().parents[3] / "packages" / "mock-server" / "src" / "redis"
#: Each Django script and the TypeScript file that holds the mock server's `<NAME>_SCRIPT`.
SCRIPTS = {
    "PUBLISH": (scripts.PUBLISH, "scripts.ts"),
    "HISTORY": (scripts.HISTORY, "scripts.ts"),
    "PRESENCE_SET": (presence_scripts.PRESENCE_SET, "presenceScripts.ts"),
    "PRESENCE_MEMBERS": (presence_scripts.PRESENCE_MEMBERS, "presenceScripts.ts"),
    "PRESENCE_HEARTBEAT": (presence_scripts.PRESENCE_HEARTBEAT, "presenceScripts.ts"),
    "PRESENCE_SWEEP": (presence_scripts.PRESENCE_SWEEP, "presenceScripts.ts"),
}
_CONSTANT = re.compile(r"^(?:export )?const (\w+) = `(.*?)`", re.S | re.M)
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def template_literals(path):
    """The file's `const NAME = \\`…\\`` strings, with `${OTHER}` replaced by that constant's text."""
    found = {name: text for name, text in _CONSTANT.findall(path.read_text(encoding="utf-8"))}
    assert found, f"no template literal found in {path}"

    def expand(text, depth=0):
        assert depth < 8, "placeholders nested too deep"
        return _PLACEHOLDER.sub(lambda m: expand(found[m.group(1)], depth + 1), text)

    return {name: expand(text) for name, text in found.items()}


def normalised(text):
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_the_script_is_the_mock_servers_script_of_the_same_name(name):
    script, ts_file = SCRIPTS[name]
    mock = template_literals(MOCK_REDIS / ts_file)
    assert f"{name}_SCRIPT" in mock, f"{ts_file} has no {name}_SCRIPT"
    assert normalised(script) == normalised(mock[f"{name}_SCRIPT"])


def test_every_script_of_the_mock_server_has_its_django_copy():
    exported = {name[: -len("_SCRIPT")] for ts_file in ("scripts.ts", "presenceScripts.ts") for name in template_literals(MOCK_REDIS / ts_file) if name.endswith("_SCRIPT")}
    assert exported == set(SCRIPTS)
