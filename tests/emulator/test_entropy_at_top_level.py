"""A Worker's top level gets no entropy, as under workerd (its ``_cloudflare/entropy_*``
patches): the same exceptions, word for word; requests get it, through names bound at top
level too; the process around the emulator is left as it was."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
from workers_emulator import Emulator

from tests.support.worker_files import worker_emulator, write_worker

ENTROPY_ERROR = "[Errno 29] Cannot get entropy outside of request context"

HANDLER = """
from workers import Response, WorkerEntrypoint

class Default(WorkerEntrypoint):
    async def fetch(self):
        return Response("ok")
"""


@pytest.mark.parametrize(
    ("statement", "error", "message"),
    [
        ("import os; os.urandom(4)", OSError, ENTROPY_ERROR),
        ("from os import urandom; urandom(1)", OSError, ENTROPY_ERROR),
        ("import secrets; secrets.token_hex(8)", OSError, ENTROPY_ERROR),
        ("import uuid; uuid.uuid4()", OSError, ENTROPY_ERROR),
        ("import random; random.SystemRandom().random()", OSError, ENTROPY_ERROR),
        ("import random; random.Random()", OSError, ENTROPY_ERROR),
        ("import random; random.Random(1).seed()", OSError, ENTROPY_ERROR),
        (
            "import random; random.random()",
            RuntimeError,
            "Cannot use random.random() outside of request context",
        ),
        (
            "from random import randbytes; randbytes(5)",
            RuntimeError,
            "Cannot use random.randbytes() outside of request context",
        ),
        (
            "import random; random.choice([1, 2])",
            RuntimeError,
            "Cannot use random.choice() outside of request context",
        ),
        (
            "import random; random.seed()",
            RuntimeError,
            "Cannot use random.seed() outside of request context",
        ),
    ],
)
def test_entropy_at_top_level_raises_what_workerd_raises(
    tmp_path: Path, statement: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        worker_emulator(tmp_path, statement + "\n" + HANDLER)
    assert type(caught.value) is error
    assert str(caught.value) == message
    if error is OSError:
        assert caught.value.errno == 29


def test_seeded_generators_and_naming_entropy_sources_are_fine_at_top_level(
    tmp_path: Path,
) -> None:
    source = (
        "import random, secrets, uuid\n"
        "from random import Random, SystemRandom\n"
        "FIXED = Random(42).random()\n"
        "SYSTEM = SystemRandom()\n"
        "NAME = uuid.uuid5(uuid.NAMESPACE_DNS, 'example.com')\n" + HANDLER
    )
    emu = worker_emulator(tmp_path, source)
    assert random.Random(42).random() == emu.isolate.module.FIXED


def test_requests_get_entropy_also_through_names_bound_at_top_level(tmp_path: Path) -> None:
    emu = worker_emulator(
        tmp_path,
        """
        import os, random, secrets, uuid
        from random import choice, randbytes
        from os import urandom
        from workers import Response, WorkerEntrypoint

        class Default(WorkerEntrypoint):
            async def fetch(self):
                values = [
                    len(os.urandom(4)), len(urandom(2)), len(secrets.token_hex(4)),
                    uuid.uuid4().version, len(randbytes(3)), choice([7]),
                    0 <= random.random() < 1, random.Random().random() < 1,
                ]
                return Response(repr(values))
        """,
    )
    with emu.test_client() as client:
        assert client.get("/").text == "[4, 2, 8, 4, 3, 7, True, True]"


def test_the_process_is_left_as_it_was(tmp_path: Path) -> None:
    before = (os.urandom, random.Random.seed, sys.modules["random"], random._urandom)  # type: ignore[attr-defined]
    with pytest.raises(OSError):
        worker_emulator(tmp_path / "failing", "import os\nos.urandom(1)\n" + HANDLER)
    Emulator(write_worker(tmp_path / "fine", "import random\n" + HANDLER))
    after = (os.urandom, random.Random.seed, sys.modules["random"], random._urandom)  # type: ignore[attr-defined]
    assert after == before
    assert len(os.urandom(3)) == 3 and random.Random().random() < 1


def test_a_third_party_package_drawing_entropy_at_import_is_let_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A package outside the Worker's folder (as installed ones are): under workerd it would be
    # refused too, but a developer's environment holds packages the deployed Worker never
    # imports (see workers_emulator.entropy).
    library = tmp_path / "lib"
    library.mkdir()
    (library / "draws_at_import.py").write_text(
        "import os, uuid\nTOKEN = os.urandom(4)\nNAME = uuid.uuid4()\n"
    )
    monkeypatch.syspath_prepend(str(library))
    source = "import draws_at_import\n" + HANDLER
    emu = worker_emulator(tmp_path / "worker", source)
    assert len(emu.isolate.module.draws_at_import.TOKEN) == 4
    with pytest.raises(OSError, match="Errno 29"):
        worker_emulator(tmp_path / "own", "import draws_at_import, os\nos.urandom(1)\n" + HANDLER)
