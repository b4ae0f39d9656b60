"""The Lua scripts come from the folder shared with the mock server (packages/protocol/redis), so
both backends run one copy on one Redis layout; a deployment outside the repository points
LUA_DIR at a copy of that folder."""
import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured

from lifeline_channels.conf import build_settings
from lifeline_channels.lua_scripts import DEFAULT_LUA_DIR, FILES, SCRIPTS, load_scripts
from lifeline_channels.redis_client import RedisClient
from tests.conftest import run


def test_the_shared_folder_holds_every_file_of_every_script_and_nothing_else():
    assert sorted(path.name for path in DEFAULT_LUA_DIR.glob("*.lua")) == sorted(FILES)


def test_the_scripts_are_read_from_the_shared_folder_by_default():
    settings = build_settings({})
    assert settings.lua_dir == str(DEFAULT_LUA_DIR)
    publish = load_scripts(settings.lua_dir)["publish"].text
    assert publish.startswith((DEFAULT_LUA_DIR / "epoch_and_clock.lua").read_text(encoding="utf-8"))
    assert publish.endswith((DEFAULT_LUA_DIR / "publish.lua").read_text(encoding="utf-8"))


def test_redis_compiles_every_script_to_the_sha_this_backend_runs_it_by(redis_server):
    scripts = load_scripts(str(DEFAULT_LUA_DIR))
    assert sorted(scripts) == sorted(SCRIPTS)

    async def load_all():
        client = RedisClient(redis_server.url)
        try:
            return {name: await client.execute("SCRIPT", "LOAD", script.text) for name, script in scripts.items()}
        finally:
            client.close()

    # Bulk strings come back as bytes.
    assert run(load_all()) == {name: script.sha.encode() for name, script in scripts.items()}


def test_a_copy_of_the_folder_elsewhere_serves_its_own_scripts(tmp_path):
    copy = tmp_path / "lua"
    shutil.copytree(DEFAULT_LUA_DIR, copy)
    # A copy that differs from the repository's by one line: what LUA_DIR serves must show it.
    with (copy / "publish.lua").open("a", encoding="utf-8") as file:
        file.write("-- the deployment's copy\n")
    settings = build_settings({"LUA_DIR": str(copy)})
    copied = {name: script.text for name, script in load_scripts(settings.lua_dir).items()}
    shared = {name: script.text for name, script in load_scripts(str(DEFAULT_LUA_DIR)).items()}
    assert copied["publish"] == shared["publish"] + "-- the deployment's copy\n"
    assert {name: text for name, text in copied.items() if name != "publish"} == {name: text for name, text in shared.items() if name != "publish"}


def test_a_lua_dir_without_the_scripts_is_refused_at_start_up_naming_what_it_lacks(tmp_path):
    shutil.copytree(DEFAULT_LUA_DIR, tmp_path / "lua")
    (tmp_path / "lua" / "presence_sweep.lua").unlink()
    with pytest.raises(ImproperlyConfigured, match=r"LUA_DIR.*lacks presence_sweep\.lua.*packages/protocol/redis"):
        build_settings({"LUA_DIR": str(tmp_path / "lua")})
    with pytest.raises(ImproperlyConfigured, match="lacks epoch_and_clock.lua"):
        build_settings({"LUA_DIR": str(tmp_path / "nowhere")})
