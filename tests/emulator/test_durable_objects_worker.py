"""A Python Worker with Durable Objects under the Emulator: the per-room message pattern of
Cloudflare's example, one instance per id across requests, RPC and ``fetch`` through stubs,
the SQL API, persistence under ``persist_to``, per-request operation counts, the shared fault
switch, and what the config must declare."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from workers_emulator import OpCounts
from workers_emulator.config import ConfigError
from workers_emulator.server import banner

from tests.support.durable_objects import WORKER, do_worker, start


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore")


def test_rooms_keep_their_own_messages() -> None:
    client = start(WORKER / "wrangler.jsonc").test_client()
    answers = [
        client.get(path).text
        for path in ("/room-1/show", "/room-1/add/hi", "/room-1/show", "/room-2/show")
    ]
    assert answers == ["No messages", "Message sent", "hi", "No messages"]
    client.get("/room-1/add/there")
    assert client.get("/room-1/show").text == "hi\nthere"


def test_one_instance_per_id_lives_across_requests() -> None:
    client = start(WORKER / "wrangler.jsonc").test_client()
    assert [client.get("/a/calls").text for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/b/calls").text == "1"


def test_id_from_name_is_deterministic_and_ids_have_64_hex_digits() -> None:
    emulator = start(WORKER / "wrangler.jsonc")
    rooms = emulator.durable_objects("ROOMS")
    first = rooms.idFromName("x").toString()
    assert first == rooms.idFromName("x").toString() != rooms.idFromName("y").toString()
    assert len(first) == 64 and int(first, 16) >= 0
    unique = rooms.newUniqueId()
    assert rooms.idFromString(unique.toString()).equals(unique)
    assert rooms.idFromName("x").name == "x"


def test_an_id_from_another_namespace_is_refused() -> None:
    emulator = start(WORKER / "wrangler.jsonc")
    ledger_id = emulator.durable_objects("LEDGERS").idFromName("x").toString()
    client = emulator.test_client()
    answer = client.get(f"/r/bad-id/{ledger_id}", headers={"accept": "text/plain"})
    assert answer.status_code == 500
    assert answer.text == "TypeError: Durable Object ID is not valid for this namespace."
    bad = client.get("/r/bad-id/nothex", headers={"accept": "text/plain"})
    assert bad.text == "TypeError: Invalid Durable Object ID: must be 64 hex digits"


def test_stub_fetch_reaches_the_objects_fetch_handler() -> None:
    client = start(WORKER / "wrangler.jsonc").test_client()
    assert client.get("/lobby/fetch").text == "room lobby got PUT"


def test_sql_api_persists_rows_in_the_object() -> None:
    client = start(WORKER / "wrangler.jsonc").test_client()
    assert [client.get("/t/tally/x").text for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/other/tally/x").text == "1"


def test_a_key_value_backed_class_has_no_sql() -> None:
    client = start(WORKER / "wrangler.jsonc").test_client()
    answer = client.get("/t/ledger-sql", headers={"accept": "text/plain"})
    assert answer.status_code == 500
    assert answer.text.startswith("Error: SQL is not enabled for this Durable Object class.")


def test_storage_survives_a_restart_under_persist_to(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with start(WORKER / "wrangler.jsonc", persist_to=state) as emulator:
        emulator.test_client().get("/kept/add/hello")
        object_id = emulator.durable_objects("ROOMS").idFromName("kept").toString()
    assert (state / "do" / "do-worker-Room" / f"{object_id}.sqlite").is_file()
    with start(WORKER / "wrangler.jsonc", persist_to=state) as emulator:
        assert emulator.test_client().get("/kept/show").text == "hello"


def test_storage_operations_are_counted_per_request() -> None:
    emulator = start(WORKER / "wrangler.jsonc")
    client = emulator.test_client()
    assert client.get("/c/add/one").kv_ops["ROOMS"] == OpCounts(reads=1, writes=1)
    assert client.get("/c/show").kv_ops["ROOMS"] == OpCounts(reads=1)
    assert emulator.durable_objects("ROOMS").counters == OpCounts(reads=2, writes=1)


def test_a_whole_float_crosses_a_stub_as_an_int_both_ways() -> None:
    # A JavaScript number that is a safe integer reaches Python as an int, as over a service
    # binding; test_durable_objects_differential.py holds the full set against workerd.
    answer = start(WORKER / "wrangler.jsonc").test_client().get("/n/rpc-numbers").json()
    assert answer == [["int", "float"], "int"]


@pytest.mark.parametrize(
    ("date", "name", "first_line"),
    [
        # Before enhanced_error_serialization "PythonError" is not a name workerd tunnels.
        ("2025-11-02", "Error", "PythonError: Traceback (most recent call last):"),
        ("2026-04-21", "PythonError", "Traceback (most recent call last):"),
    ],
)
def test_a_python_exception_in_an_object_reaches_the_caller_as_pyodides_python_error(
    tmp_path: Path, date: str, name: str, first_line: str
) -> None:
    config = do_worker(tmp_path, compatibility_date=date)
    answer = start(config).test_client().get("/p/python-error").json()
    assert answer == ["JsException", name, first_line, "ValueError: boom in the room"]


def test_a_method_the_object_lacks_is_workerds_python_wrapper_type_error() -> None:
    answer = start(WORKER / "wrangler.jsonc").test_client().get("/m/missing-method").json()
    message = "Method nope does not exist"
    assert answer == ["JsException", "TypeError", message, message]


def test_a_value_python_cannot_clone_is_refused_and_nothing_is_written() -> None:
    emulator = start(WORKER / "wrangler.jsonc")
    client = emulator.test_client()
    answer = client.get("/v/add-list/x", headers={"accept": "text/plain"})
    assert answer.status_code == 500
    assert answer.text == (
        'DataCloneError: Could not serialize object of type "PyProxy". '
        "This type does not support serialization."
    )
    assert answer.kv_ops["ROOMS"].writes == 0
    assert client.get("/v/show").text == "No messages"


def test_injected_faults_fail_storage_operations() -> None:
    emulator = start(WORKER / "wrangler.jsonc")
    client = emulator.test_client()
    injector = emulator.inject_faults(1.0, ops=["write"])
    answer = client.get("/f/add/x", headers={"accept": "text/plain"})
    assert answer.status_code == 500
    assert answer.text == (
        "Error: Internal error in Durable Object storage caused object to be reset."
    )
    assert injector.injected == 1
    emulator.inject_faults(0.0)
    assert client.get("/f/show").text == "No messages"


def test_banner_lists_the_namespaces_with_their_classes() -> None:
    lines = banner(start(WORKER / "wrangler.jsonc"))
    rows = [line.split() for line in lines if line.startswith("env.")]
    assert ["env.ROOMS", "(Room)", "Durable", "Object", "local"] in rows
    assert ["env.LEDGERS", "(Ledger)", "Durable", "Object", "local"] in rows


def test_a_bound_class_missing_from_migrations_stops_the_start(tmp_path: Path) -> None:
    config = do_worker(tmp_path, migrations=[{"tag": "v1", "new_sqlite_classes": ["Room"]}])
    with pytest.raises(ConfigError, match=r"'Ledger'.*not declared in `migrations`"):
        start(config)


def test_a_deleted_class_is_no_longer_declared(tmp_path: Path) -> None:
    migrations = [
        {"tag": "v1", "new_sqlite_classes": ["Room"], "new_classes": ["Ledger"]},
        {"tag": "v2", "deleted_classes": ["Ledger"]},
    ]
    with pytest.raises(ConfigError, match="'Ledger'"):
        start(do_worker(tmp_path, migrations=migrations))


def test_a_bound_class_the_worker_does_not_define_stops_the_start(tmp_path: Path) -> None:
    bindings = [{"name": "ROOMS", "class_name": "Room"}, {"name": "GONE", "class_name": "Gone"}]
    config = do_worker(
        tmp_path,
        durable_objects={"bindings": bindings},
        migrations=[{"tag": "v1", "new_sqlite_classes": ["Room", "Gone"]}],
    )
    with pytest.raises(ConfigError, match=r"env\.GONE .*'Gone', but entry\.py does not define it"):
        start(config)


def test_a_class_of_another_worker_is_not_emulated(tmp_path: Path) -> None:
    bindings = [
        {"name": "ROOMS", "class_name": "Room"},
        {"name": "LEDGERS", "class_name": "Ledger"},
        {"name": "REMOTE", "class_name": "Remote", "script_name": "elsewhere"},
    ]
    emulator = start(do_worker(tmp_path, durable_objects={"bindings": bindings}))
    assert repr(emulator.env.REMOTE) == "<env.REMOTE (Durable Object): not emulated>"
    assert emulator.test_client().get("/r/show").text == "No messages"
