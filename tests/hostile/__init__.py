"""Hostile traffic, fault injection and rate-limit tests (docs/API.md: the server holds)."""
