"""How the emulator builds ``env.<binding>`` for a ``d1_databases`` entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...config import BindingConfig
from .config import d1_database
from .database import D1Database
from .store import D1Store, database_path

if TYPE_CHECKING:
    from ..providers import BindingHost


def provide_d1(binding: BindingConfig, host: BindingHost) -> D1Database:
    """One ``D1Database`` per binding; bindings naming one database id share its store."""
    database = d1_database(host.config, binding)

    def create() -> D1Store:
        if host.persist_to is None:
            return D1Store(timer=host.clock.now)
        return D1Store(database_path(host.persist_to, database.database_id), timer=host.clock.now)

    return D1Database(binding.name, host.shared("d1", database.database_id, create))
