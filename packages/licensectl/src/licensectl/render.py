"""Human output: rich tables for each command's result (`--json` bypasses this module)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_STATUS_STYLE = {"active": "green", "suspended": "yellow", "revoked": "red"}
# Off a terminal nothing is cut or wrapped: a pipe or a file has no width to fit.
_UNBOUNDED_WIDTH = 1_000_000


def human(args: argparse.Namespace, result: Any, out: Console) -> None:
    """Print one command's result for a person: fitted to a terminal, whole anywhere else."""
    if not out.is_terminal:
        out = Console(
            file=out.file,
            width=_UNBOUNDED_WIDTH,
            color_system=out.color_system,  # type: ignore[arg-type]
            no_color=out.no_color,
            soft_wrap=True,
        )
    command = args.command
    if command == "create":
        _created(result, out)
    elif command == "list":
        _licenses(result["licenses"], out)
    elif command == "show":
        _detail(result, out)
    elif command in ("suspend", "revoke", "reactivate", "extend"):
        _record(result["license"], out, title="Updated license")
    elif command == "erase":
        out.print(Text(f"License {result['erased']} and all its data are erased.", style="bold"))
    elif command == "export":
        _exported(args, result, out)
    elif command == "validations":
        _validations(result, out)
    elif command == "fleet":
        _fleet(result["items"], out)
    elif command == "release":
        _release(result, out)


def _text(value: Any) -> Text:
    """Server data as plain text: never interpreted as rich markup."""
    return Text("—" if value is None else str(value))


def _status(status: str) -> Text:
    return Text(status, style=_STATUS_STYLE.get(status, ""))


def _expiry(value: str | None) -> Text:
    return Text("perpetual", style="cyan") if value is None else Text(value)


def _created(result: dict[str, Any], out: Console) -> None:
    out.print(
        Panel(
            Text(result["license_key"], style="bold"),
            title="LICENSE KEY — shown only this once",
            subtitle="the server keeps no copy",
            expand=False,
            border_style="yellow",
        )
    )
    _record(result["license"], out, title="Created license")


def _licenses(licenses: list[dict[str, Any]], out: Console) -> None:
    # Listings are scanned, not read: the expiry as a day, light borders, long customer names
    # folded rather than cut, so an 80-column terminal shows every ID whole.
    # `show` has the full record, creation time included.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Customer", overflow="fold", min_width=10, ratio=1)
    table.add_column("Plan", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Expires", no_wrap=True)
    for lic in licenses:
        table.add_row(
            _text(lic.get("id")),
            _text(lic.get("customer")),
            _text(lic.get("plan")),
            _status(str(lic.get("status"))),
            _expiry(_day(lic.get("expires_at"))),
        )
    out.print(table)
    out.print(f"{len(licenses):,} license(s)", highlight=False)


def _day(timestamp: str | None) -> str | None:
    """``2027-11-30T00:00:00Z`` as ``2027-11-30`` (``show`` and ``--json`` keep the time)."""
    return None if timestamp is None else timestamp.split("T", 1)[0]


def _detail(result: dict[str, Any], out: Console) -> None:
    _record(
        result["license"],
        out,
        title="License",
        extra=[
            ("Last validated at", _text(result.get("last_validated_at"))),
            ("Stats received at", _text(result.get("stats_received_at"))),
        ],
    )
    if result.get("stats"):
        _stats_table(result["stats"], out)


def _record(
    lic: dict[str, Any], out: Console, title: str, extra: list[tuple[str, Text]] | None = None
) -> None:
    """One license, every field at full precision (a listing shortens; this does not)."""
    _fields(
        title,
        [
            ("ID", _text(lic.get("id"))),
            ("Customer", _text(lic.get("customer"))),
            ("Plan", _text(lic.get("plan"))),
            ("Status", _status(str(lic.get("status")))),
            ("Expires at", _expiry(lic.get("expires_at"))),
            ("Created at", _text(lic.get("created_at"))),
            *(extra or []),
        ],
        out,
    )


def _fields(title: str, rows: list[tuple[str, Text]], out: Console) -> None:
    """A headerless two-column table: bold labels, then values."""
    table = Table(show_header=False, title=title)
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    out.print(table)


def _stats_table(stats: dict[str, Any], out: Console) -> None:
    table = Table(title="Last fleet stats")
    table.add_column("Count")
    table.add_column("Value", justify="right")
    for name, value in _flatten(stats):
        table.add_row(_text(name), _text(value))
    out.print(table)


def _flatten(stats: dict[str, Any]) -> list[tuple[str, Any]]:
    """One nesting level is allowed: show `outer.inner` rows."""
    rows: list[tuple[str, Any]] = []
    for name, value in stats.items():
        if isinstance(value, dict):
            rows.extend((f"{name}.{inner}", v) for inner, v in value.items())
        else:
            rows.append((name, value))
    return rows


def _exported(args: argparse.Namespace, result: dict[str, Any], out: Console) -> None:
    count = len(result.get("validations", []))
    if args.output:
        out.print(
            Text(f"Export of {args.id} ({count:,} validation timestamps) written to {args.output}")
        )
        return
    # The export is a document: printing it whole is the point, even for a person.
    out.file.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


def _validations(result: dict[str, Any], out: Console) -> None:
    table = Table(title=f"Validations of {result['license_id']} (newest first)")
    table.add_column("Validated at")
    for stamp in result["validations"]:
        table.add_row(_text(stamp))
    out.print(table)
    out.print(f"{len(result['validations']):,} validation(s)", highlight=False)


def _fleet(items: list[dict[str, Any]], out: Console) -> None:
    table = Table(title="Fleet (last reported counts)")
    table.add_column("License ID", no_wrap=True)
    table.add_column("Received at")
    table.add_column("Counts")
    for item in items:
        counts = ", ".join(f"{k}={v}" for k, v in _flatten(item.get("stats") or {}))
        table.add_row(_text(item.get("license_id")), _text(item.get("received_at")), Text(counts))
    out.print(table)
    out.print(f"{len(items):,} license(s) reporting", highlight=False)


def _release(result: dict[str, Any], out: Console) -> None:
    _fields(
        "Release",
        [
            ("Latest version", _text(result.get("latest_version"))),
            ("Release notes", _text(result.get("release_notes_url"))),
            ("Updated at", _text(result.get("updated_at"))),
        ],
        out,
    )
