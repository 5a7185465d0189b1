"""Shared test support (not tests): dev-server subprocesses and their chores."""
