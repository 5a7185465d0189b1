"""Benchmarks: what a heartbeat costs, measured (run with ``uv run python -m bench``)."""
