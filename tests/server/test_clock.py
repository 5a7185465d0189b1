"""clock.parse_iso: exactly ``YYYY-MM-DDTHH:MM:SSZ`` with ASCII digits, one message for the rest."""

from __future__ import annotations

import pytest

from license_server.clock import parse_iso


def test_parse_iso_reads_utc_seconds() -> None:
    assert parse_iso("2027-01-01T00:00:00Z") == 1_798_761_600


@pytest.mark.parametrize(
    "text",
    [
        "\u0662\u0660\u0662\u0667-01-01T00:00:00Z",  # Arabic-Indic digits: \d would take them
        "\uff12\uff10\uff12\uff17-01-01T00:00:00Z",  # fullwidth digits
        "2027-01-01T00:00:00",
        "2027-01-01 00:00:00Z",
        "2027-01-01T00:00:00.5Z",
    ],
)
def test_anything_else_is_the_same_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"^expected YYYY-MM-DDTHH:MM:SSZ$"):
        parse_iso(text)
