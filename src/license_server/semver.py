"""Semantic Versioning 2.0.0: parsing (at most 64 characters) and precedence."""

from __future__ import annotations

import re

from license_server.rules import MAX_VERSION_CHARS, SEMVER_PATTERN

__all__ = ["MAX_VERSION_CHARS", "Version", "compare", "parse_version"]

_SEMVER = re.compile(SEMVER_PATTERN)


class Version:
    """A parsed version, never changed after parsing. Compare with :func:`compare`, not ``<``."""

    __slots__ = ("major", "minor", "patch", "prerelease", "text")

    def __init__(
        self, major: int, minor: int, patch: int, prerelease: tuple[int | str, ...], text: str
    ) -> None:
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.text = text

    def __repr__(self) -> str:
        return f"Version({self.text!r})"

    def precedence_key(self) -> tuple[object, ...]:
        """A sort key implementing SemVer 2.0.0 section 11 (build metadata is ignored).

        A release sorts after its pre-releases; numeric identifiers sort below alphanumeric
        ones and compare as numbers; a longer identifier list wins when all shared ones tie.
        """
        if not self.prerelease:
            return (self.major, self.minor, self.patch, 1, ())
        identifiers = tuple(
            (0, i, "") if isinstance(i, int) else (1, 0, i) for i in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0, identifiers)


def parse_version(text: object) -> Version | None:
    if not isinstance(text, str) or len(text) > MAX_VERSION_CHARS:
        return None
    match = _SEMVER.fullmatch(text)
    if match is None:
        return None
    major, minor, patch, pre, _build = match.groups()
    prerelease: tuple[int | str, ...] = ()
    if pre:
        prerelease = tuple(int(p) if p.isdigit() else p for p in pre.split("."))
    return Version(
        int(major),
        int(minor),
        int(patch),
        prerelease,
        text,
    )


def compare(a: Version, b: Version) -> int:
    """-1, 0 or 1 as ``a`` has lower, equal or higher precedence than ``b``."""
    key_a, key_b = a.precedence_key(), b.precedence_key()
    return (key_a > key_b) - (key_a < key_b)
