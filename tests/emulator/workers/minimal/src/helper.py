"""A sibling module with a module-level cache, to show isolates do not share it."""

CALLS = {"count": 0}


def bump() -> int:
    CALLS["count"] += 1
    return CALLS["count"]
