"""The Worker's config is read as wrangler reads it: wrangler.toml, wrangler.json and
wrangler.jsonc mean the same, are found with wrangler's precedence, and unknown top-level keys
are ignored with wrangler's warning."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from workers_emulator import Emulator
from workers_emulator.config import (
    BINDING_KINDS_BY_KEY,
    ConfigError,
    find_config,
    load_config,
)
from workers_emulator.jsonc import JSONCError
from workers_emulator.jsonc import loads as jsonc_loads

ENTRY = """\
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        await self.env.KV.put("k", self.env.GREETING)
        return Response(await self.env.KV.get("k"))
"""

TOML = """\
name = "fmt"
main = "src/entry.py"
compatibility_date = "2026-04-20"
compatibility_flags = ["python_workers"]

[[kv_namespaces]]
binding = "KV"
id = "fmt-kv"

[[ratelimits]]
name = "LIMITER"
namespace_id = "1"
simple = { limit = 5, period = 10 }

[triggers]
crons = ["*/5 * * * *"]

[vars]
GREETING = "hi"
NESTED = { a = [1, 2] }
"""

JSONC = """\
// The same Worker as TOML above, written the way Cloudflare's examples write it.
{
  "$schema": "node_modules/wrangler/config-schema.json",
  "name": "fmt", /* inline block comment */
  "main": "src/entry.py",
  "compatibility_date": "2026-04-20",
  "compatibility_flags": ["python_workers",],
  "kv_namespaces": [{"binding": "KV", "id": "fmt-kv"},],
  "ratelimits": [
    {"name": "LIMITER", "namespace_id": "1", "simple": {"limit": 5, "period": 10}},
  ],
  "triggers": {"crons": ["*/5 * * * *"]},
  "vars": {"GREETING": "hi", "NESTED": {"a": [1, 2]}, "URL": "http://x//y,]"},
}
"""


def _worker(folder: Path) -> Path:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    (folder / "src" / "entry.py").write_text(ENTRY, encoding="utf-8")
    return folder


def _essentials(path: Path) -> dict[str, object]:
    config = load_config(path)
    return {
        "name": config.name,
        "main": config.main,
        "date": config.compatibility_date,
        "flags": config.compatibility_flags,
        "kv": config.kv_namespaces,
        "ratelimits": config.ratelimits,
        "crons": config.crons,
        "vars": {k: v for k, v in config.vars.items() if k != "URL"},
    }


def test_toml_json_and_jsonc_mean_the_same(tmp_path: Path) -> None:
    folders = {ext: _worker(tmp_path / ext) for ext in ("toml", "json", "jsonc")}
    (folders["toml"] / "wrangler.toml").write_text(TOML, encoding="utf-8")
    (folders["jsonc"] / "wrangler.jsonc").write_text(JSONC, encoding="utf-8")
    # wrangler reads .json with the same JSONC parser: comments and trailing commas included.
    (folders["json"] / "wrangler.json").write_text(JSONC, encoding="utf-8")
    read = {ext: _essentials(folder / f"wrangler.{ext}") for ext, folder in folders.items()}
    for ext in ("json", "jsonc"):
        assert {k: v for k, v in read[ext].items() if k != "main"} == {
            k: v for k, v in read["toml"].items() if k != "main"
        }
    assert read["toml"]["crons"] == ["*/5 * * * *"]
    assert read["toml"]["vars"] == {"GREETING": "hi", "NESTED": {"a": [1, 2]}}
    # Strings keep what looks like comments or trailing commas.
    assert load_config(folders["jsonc"] / "wrangler.jsonc").vars["URL"] == "http://x//y,]"


def test_a_jsonc_worker_runs(tmp_path: Path) -> None:
    folder = _worker(tmp_path)
    (folder / "wrangler.jsonc").write_text(JSONC, encoding="utf-8")
    emu = Emulator(folder / "wrangler.jsonc")
    response = emu.test_client().get("/")
    assert (response.status_code, response.text) == (200, "hi")
    assert emu.kv_counters("KV").writes == 1


def test_schema_is_ignored_and_unknown_keys_warn_as_wrangler_words_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _worker(tmp_path)
    data = jsonc_loads(JSONC)
    data["foo"] = 1
    data["bar"] = {"x": 2}
    (folder / "wrangler.jsonc").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.chdir(folder)
    config = load_config()
    # wrangler 4.86 (deploy --dry-run) on the same file, its path relative to the cwd:
    assert config.warnings == [
        "Processing wrangler.jsonc configuration:\n\n"
        '    - Unexpected fields found in top-level field: "foo","bar"'
    ]
    del data["foo"], data["bar"]
    (folder / "wrangler.jsonc").write_text(json.dumps(data), encoding="utf-8")
    assert load_config().warnings == []  # `$schema` alone says nothing


@pytest.mark.parametrize(
    ("present", "chosen"),
    [
        (["wrangler.toml", "wrangler.jsonc", "wrangler.json"], "wrangler.json"),
        (["wrangler.toml", "wrangler.jsonc"], "wrangler.jsonc"),
        (["wrangler.toml"], "wrangler.toml"),
    ],
)
def test_discovery_prefers_json_then_jsonc_then_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, present: list[str], chosen: str
) -> None:
    folder = _worker(tmp_path / "w")
    for name in present:
        text = TOML if name.endswith(".toml") else JSONC
        (folder / name).write_text(text.replace('"fmt"', f'"{name}"'), encoding="utf-8")
    monkeypatch.chdir(folder)
    assert find_config() == folder / chosen
    assert load_config().path == folder / chosen
    assert Emulator().config.path == folder / chosen


def test_discovery_walks_up_one_name_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As wrangler's search: a wrangler.json in a parent beats a wrangler.toml in the cwd."""
    parent = _worker(tmp_path / "parent")
    child = parent / "child"
    child.mkdir()
    (parent / "wrangler.json").write_text(JSONC, encoding="utf-8")
    (child / "wrangler.toml").write_text(TOML, encoding="utf-8")
    monkeypatch.chdir(child)
    assert find_config() == parent / "wrangler.json"
    (parent / "wrangler.json").unlink()
    assert find_config() == child / "wrangler.toml"


def test_no_config_found_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    if find_config() is not None:  # a config above tmp_path on this machine
        pytest.skip("a wrangler config exists above the temporary directory")
    with pytest.raises(ConfigError, match=r"wrangler\.json, wrangler\.jsonc, wrangler\.toml"):
        load_config()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"main": "src/entry.py",, }', "line 1"),
        ('{\n  "main": "src/entry.py"\n  "name": "x"\n}', "line 3"),
        ('{"main": "src/entry.py" /* never closed', "unterminated"),
        ('{"main": "src/entry.py", "vars": {"X": NaN}}', "NaN"),
    ],
)
def test_broken_jsonc_is_a_config_error_with_its_place(
    tmp_path: Path, text: str, where: str
) -> None:
    folder = _worker(tmp_path)
    (folder / "wrangler.jsonc").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=where):
        load_config(folder / "wrangler.jsonc")


def test_jsonc_reader_keeps_strings_and_refuses_what_json_refuses() -> None:
    assert jsonc_loads('["a//b", "/*c*/", "d,]", "\\"//"] // tail') == [
        "a//b",
        "/*c*/",
        "d,]",
        '"//',
    ]
    assert jsonc_loads('{"a": [1, 2,], }') == {"a": [1, 2]}
    for bad in ("[1,,]", "[,]", "{,}", "[1] 2"):
        with pytest.raises(JSONCError):
            jsonc_loads(bad)


def test_other_extensions_are_refused(tmp_path: Path) -> None:
    folder = _worker(tmp_path)
    (folder / "wrangler.yaml").write_text("main: src/entry.py", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.toml, \.json or \.jsonc"):
        load_config(folder / "wrangler.yaml")


def test_every_binding_section_is_read_with_its_kind_and_name(tmp_path: Path) -> None:
    folder = _worker(tmp_path)
    config = {
        "main": "src/entry.py",
        "d1_databases": [{"binding": "DB", "database_name": "d", "database_id": "x"}],
        "r2_buckets": [{"binding": "BUCKET", "bucket_name": "b"}],
        "durable_objects": {"bindings": [{"name": "COUNTER", "class_name": "Counter"}]},
        "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}],
        "queues": {
            "producers": [{"binding": "JOBS", "queue": "jobs"}],
            "consumers": [{"queue": "jobs", "max_batch_size": 10}],
        },
        "services": [{"binding": "OTHER", "service": "other-worker"}],
        "assets": {"directory": "./public", "binding": "ASSETS"},
        "ai": {"binding": "AI"},
        "vectorize": [{"binding": "INDEX", "index_name": "i"}],
        "hyperdrive": [{"binding": "HD", "id": "h"}],
        "workflows": [{"binding": "FLOW", "name": "f", "class_name": "Flow"}],
        "browser": {"binding": "BROWSER"},
        "analytics_engine_datasets": [{"binding": "AE", "dataset": "d"}],
        "send_email": [{"name": "MAIL"}],
        "version_metadata": {"binding": "VERSION"},
    }
    (folder / "wrangler.json").write_text(json.dumps(config), encoding="utf-8")
    read = load_config(folder / "wrangler.json")
    found = {(b.kind.key, b.name) for b in read.bindings}
    assert found == {
        ("d1_databases", "DB"),
        ("r2_buckets", "BUCKET"),
        ("durable_objects.bindings", "COUNTER"),
        ("queues.producers", "JOBS"),
        ("queues.consumers", "jobs"),
        ("services", "OTHER"),
        ("assets", "ASSETS"),
        ("ai", "AI"),
        ("vectorize", "INDEX"),
        ("hyperdrive", "HD"),
        ("workflows", "FLOW"),
        ("browser", "BROWSER"),
        ("analytics_engine_datasets", "AE"),
        ("send_email", "MAIL"),
        ("version_metadata", "VERSION"),
    }
    assert read.migrations == [{"tag": "v1", "new_sqlite_classes": ["Counter"]}]
    by_name = {b.name: b for b in read.bindings}
    assert by_name["DB"].options["database_id"] == "x"
    assert by_name["DB"].description == "env.DB (D1 Database)"
    assert by_name["jobs"].description == "Queue Consumer 'jobs'"
    assert BINDING_KINDS_BY_KEY["r2_buckets"].label == "R2 Bucket"


def test_a_binding_without_a_name_is_a_config_error(tmp_path: Path) -> None:
    folder = _worker(tmp_path)
    bad = {"main": "src/entry.py", "d1_databases": [{"database_name": "d"}]}
    (folder / "wrangler.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"d1_databases\[0\].*binding"):
        load_config(folder / "wrangler.json")


def test_the_cli_finds_the_config_as_emulator_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`workers-emulator dev` and `kv` without --config use wrangler's discovery too."""
    import workers_emulator.server as server
    from workers_emulator.cli import main

    folder = _worker(tmp_path / "w")
    (folder / "wrangler.jsonc").write_text(JSONC, encoding="utf-8")
    (folder / "wrangler.toml").write_text(TOML.replace('"fmt-kv"', '"other-kv"'), encoding="utf-8")
    monkeypatch.chdir(folder)
    seen = {}

    def fake_run(emulator: Emulator, **options: object) -> int:
        seen["config"] = emulator.config.path
        options["sock"].close()  # type: ignore[attr-defined]
        asyncio.run(emulator.kv("KV").put("k", "v"))
        emulator.close()
        return 0

    monkeypatch.setattr(server, "run_dev_server", fake_run)
    assert main(["dev", "--port", "0"]) == 0
    assert seen["config"] == folder / "wrangler.jsonc"  # .jsonc before .toml
    assert main(["kv", "list", "KV"]) == 0  # the same config, so the same namespace id
    assert json.loads(capsys.readouterr().out) == [{"name": "k"}]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"kv_namespaces": [{"binding": "X", "id": "a"}], "r2_buckets": [{"binding": "X"}]},
            "X assigned to KV Namespace and R2 Bucket bindings.",
        ),
        (
            {"kv_namespaces": [{"binding": "X", "id": "a"}, {"binding": "X", "id": "b"}]},
            "X assigned to multiple KV Namespace bindings.",
        ),
        (
            {"vars": {"X": "1"}, "d1_databases": [{"binding": "X", "database_name": "d"}]},
            "X assigned to D1 Database and Environment Variable bindings.",
        ),
    ],
)
def test_two_bindings_under_one_name_are_refused_as_wrangler_refuses_them(
    tmp_path: Path, config: dict[str, object], message: str
) -> None:
    folder = _worker(tmp_path)
    (folder / "wrangler.json").write_text(
        json.dumps({"main": "src/entry.py", **config}), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as refused:
        load_config(folder / "wrangler.json")
    assert message in str(refused.value)
    assert "Bindings must have unique names" in str(refused.value)


def test_a_queue_consumed_and_produced_under_one_name_is_not_a_clash(tmp_path: Path) -> None:
    folder = _worker(tmp_path)
    queues = {"producers": [{"binding": "jobs", "queue": "jobs"}], "consumers": [{"queue": "jobs"}]}
    (folder / "wrangler.json").write_text(
        json.dumps({"main": "src/entry.py", "queues": queues}), encoding="utf-8"
    )
    assert [b.name for b in load_config(folder / "wrangler.json").bindings] == ["jobs", "jobs"]
