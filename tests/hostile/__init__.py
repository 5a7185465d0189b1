"""Hostile traffic, fault injection and rate-limit tests (SPEC.md: the server holds)."""
