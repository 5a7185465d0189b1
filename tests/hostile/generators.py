"""Hostile request generators: deterministic raw requests, each with what the contract allows.

Each generator returns :class:`Case` objects. ``expect`` narrows the acceptable answers where
docs/API.md is definite (e.g. NaN is ``400 invalid_json``); ``None`` leaves only the invariants
every answer must keep (no 5xx, no traceback, the error shape, no write unless 2xx).
"""

from __future__ import annotations

import functools
import json
import random
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from tests.hostile.oracles import stats_verdict

JSON_CT = ("content-type", "application/json")
MAX_BODY = 16 * 1024

Expect = frozenset[tuple[int, str | None]]


def expect(*pairs: tuple[int, str | None]) -> Expect:
    return frozenset(pairs)


INVALID_JSON = expect((400, "invalid_json"))
INVALID_REQUEST = expect((400, "invalid_request"))
ANY_400 = expect((400, "invalid_json"), (400, "invalid_request"))
TOO_LARGE = expect((413, "request_too_large"))
NOT_FOUND_KEY = expect((404, "license_not_found"))
UNAUTHORIZED = expect((401, "unauthorized"))
NO_ROUTE = expect((404, "not_found"), (405, "method_not_allowed"))


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expect: Expect | None = None
    # docs/API.md promises zero KV operations (not only zero writes) for this request.
    zero_ops: bool = False
    # For heartbeats with a real key: the stats reason the answer must carry (oracle).
    stats_reason: str | None = None
    check_stats: bool = False
    # Stream the body in chunks with no Content-Length (a chunked upload).
    chunked: bool = False


@dataclass(frozen=True)
class Target:
    """What the generators may aim at: a real license and the admin token."""

    license_key: str
    license_id: str
    admin_token: str

    @property
    def admin(self) -> tuple[str, str]:
        return ("authorization", f"Bearer {self.admin_token}")


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def _validate(body: bytes, expect_: Expect | None = None, **kw: object) -> Case:
    return Case("POST", "/v1/validate", (JSON_CT,), body, expect_, **kw)  # type: ignore[arg-type]


def _body_routes(t: Target) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Every route that parses a JSON body, with what it takes to reach the parser."""
    return [
        ("POST", "/v1/validate", (JSON_CT,)),
        ("POST", "/v1/admin/licenses", (JSON_CT, t.admin)),
        ("PUT", "/v1/admin/release", (JSON_CT, t.admin)),
        ("PATCH", f"/v1/admin/licenses/{t.license_id}", (JSON_CT, t.admin)),
    ]


def _over_cap(body: bytes) -> bool:
    return len(body) > MAX_BODY


def _or_too_large(body: bytes, wanted: Expect) -> Expect:
    return TOO_LARGE if _over_cap(body) else wanted


# ---- 1. deep nesting -------------------------------------------------------------------------


def deep_nesting(t: Target, rng: random.Random) -> Iterator[Case]:
    depths = [*range(1, 41), 50, 64, 100, 128, 500, 999, 1000, 1001, 3000, 5000, 8000, 8190]
    depths += [10_000, 50_000, 100_000]
    for depth in depths:
        nests = {
            "array": ("[" * depth, "]" * depth),
            "object": ('{"a":' * depth, "}" * depth),
            "mixed": ('[{"a":' * (depth // 2 + 1), "}]" * (depth // 2 + 1)),
        }
        for _name, (open_, close) in nests.items():
            inner = f"{open_}1{close}"
            bodies = {
                "top": inner,
                "stats": f'{{"license_key":"{t.license_key}","stats":{inner}}}',
                "stats_value": f'{{"license_key":"{t.license_key}","stats":{{"a":{inner}}}}}',
                "license_key": f'{{"license_key":{inner}}}',
                "unknown": f'{{"license_key":"{t.license_key}","future":{inner}}}',
                "unbalanced": f'{{"license_key":"{t.license_key}","stats":{open_}',
            }
            for where, text in bodies.items():
                body = text.encode()
                wanted: Expect | None = None
                if depth > 1000 or where == "unbalanced":
                    # Deep enough to break a recursive parser, or not JSON at all.
                    wanted = _or_too_large(body, INVALID_JSON)
                elif _over_cap(body):
                    wanted = TOO_LARGE
                yield _validate(body, wanted)
                if where in ("top", "unknown") and depth in (33, 1000, 8190, 100_000):
                    for method, path, headers in _body_routes(t)[1:]:
                        yield Case(method, path, headers, body, _or_too_large(body, ANY_400))
    # Brackets inside strings are not nesting: the depth guard must not count them.
    for n in (100, 1000, 5000):
        for bracket in "[{]}":
            body = _dumps({"license_key": bracket * n})
            yield _validate(body, NOT_FOUND_KEY, zero_ops=True)
            body = _dumps({"license_key": t.license_key, "future": "x" + bracket * n})
            yield _validate(body, expect((200, None)))
        body = _dumps({"license_key": "\\" * n + "[" * n})
        yield _validate(body, NOT_FOUND_KEY, zero_ops=True)


# ---- 2. NaN and infinities ---------------------------------------------------------------------

NON_FINITE = ["NaN", "Infinity", "-Infinity", "+Infinity", "-NaN", "nan", "inf", "-inf", "INF"]
NON_FINITE += ["Infinity1", "NaN0", "infinity", "+NaN"]
# JSON grammar, just past a double: odd but valid (jsonbody.OddValue), never invalid_json.
OUT_OF_RANGE = ["1e400", "-1e400", "1e309", "-1E+999"]


def non_finite(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    templates = {
        "top": "{tok}",
        "top_array": "[{tok}]",
        "license_key": '{{"license_key":{tok}}}',
        "stats": f'{{{{"license_key":"{key}","stats":{{tok}}}}}}',
        "stats_value": f'{{{{"license_key":"{key}","stats":{{{{"a":{{tok}}}}}}}}}}',
        "stats_nested": f'{{{{"license_key":"{key}","stats":{{{{"a":{{{{"b":{{tok}}}}}}}}}}}}}}',
        "stats_array": f'{{{{"license_key":"{key}","stats":[{{tok}}]}}}}',
        "version": f'{{{{"license_key":"{key}","version":{{tok}}}}}}',
        "unknown": f'{{{{"license_key":"{key}","future":{{tok}}}}}}',
        "unknown_deep": f'{{{{"license_key":"{key}","future":{{{{"deep":[1,2,{{tok}}]}}}}}}}}',
        "unknown_key": '{{"license_key":"CC-0000","stats":{tok}}}',
    }
    # What an out-of-range literal gets where it stands: the field's own verdict.
    in_range_answer = {
        "top": INVALID_REQUEST,
        "top_array": INVALID_REQUEST,
        "license_key": INVALID_REQUEST,
        "version": INVALID_REQUEST,
        "unknown_key": NOT_FOUND_KEY,
    }
    stats_reason = {
        "stats": "stats_not_object",
        "stats_value": "stats_invalid",
        "stats_nested": "stats_invalid",
        "stats_array": "stats_not_object",
    }
    for token in NON_FINITE + OUT_OF_RANGE:
        odd = token in OUT_OF_RANGE
        for where, template in templates.items():
            body = template.format(tok=token).encode()
            if not odd:
                # The spec's NaN/Infinity are never JSON; neither are the misspellings.
                yield _validate(body, INVALID_JSON)
            elif where in stats_reason:
                yield _validate(
                    body, expect((200, None)), stats_reason=stats_reason[where], check_stats=True
                )
            else:
                yield _validate(body, in_range_answer.get(where, expect((200, None))))
        for method, path, headers in _body_routes(t)[1:]:
            for field in ("customer", "expires_at", "latest_version", "status", "plan", "x"):
                body = f'{{"{field}":{token}}}'.encode()
                yield Case(method, path, headers, body, INVALID_REQUEST if odd else INVALID_JSON)
    # Random positions in an otherwise valid heartbeat.
    for _ in range(300):
        token = rng.choice(NON_FINITE + OUT_OF_RANGE)
        stats = {f"k{i}": rng.randrange(100) for i in range(rng.randrange(1, 8))}
        text = _dumps({"license_key": key, "stats": stats}).decode()
        slot = rng.choice(list(stats))
        text = text.replace(f'"{slot}":{stats[slot]}', f'"{slot}":{token}', 1)
        if token in OUT_OF_RANGE:
            yield _validate(
                text.encode(), expect((200, None)), stats_reason="stats_invalid", check_stats=True
            )
        else:
            yield _validate(text.encode(), INVALID_JSON)


# ---- 3. huge numbers -----------------------------------------------------------------------------


def huge_numbers(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    digit_counts = [15, 16, 17, 19, 20, 40, 63, 64, 65, 100, 309, 1000, 4299, 4300, 4301, 5000]
    digit_counts += [10_000, 16_000]
    numbers: list[str] = []
    for n in digit_counts:
        numbers += ["9" * n, "-" + "9" * n, "1" + "0" * (n - 1), "0." + "0" * n + "1"]
        numbers += ["1" + "0" * (n - 1) + ".0", f"1e{n}", f"-1e-{n}", f"{'9' * min(n, 30)}e{n}"]
    numbers += [str(2**53 - 1), str(2**53), str(2**63), str(2**64), "-0", "0.0", "1.0", "1E2"]
    numbers += ["123.456e789", "1E+99999", "1e-99999", "5e-324", "1.7976931348623157e308"]
    for number in numbers:
        positions = {
            "stats_value": f'{{"license_key":"{key}","stats":{{"count":{number}}}}}',
            "stats_nested": f'{{"license_key":"{key}","stats":{{"g":{{"count":{number}}}}}}}',
            "license_key": f'{{"license_key":{number}}}',
            "version": f'{{"license_key":"{key}","version":{number}}}',
            "top": number,
            "unknown": f'{{"license_key":"{key}","future":{number}}}',
        }
        for where, text in positions.items():
            body = text.encode()
            wanted: Expect | None
            if _over_cap(body):
                wanted = TOO_LARGE
            elif where in ("license_key", "version", "top"):
                wanted = INVALID_REQUEST  # a number is never a key or a version or an object
            else:
                # Any number is JSON: ignored, or refused by the stats verdict (never the parser).
                wanted = expect((200, None))
            case = _validate(body, wanted)
            if where.startswith("stats") and len(number) <= 400:
                value = json.loads(number)
                stats = {"count": value} if where == "stats_value" else {"g": {"count": value}}
                case = Case(
                    case.method,
                    case.path,
                    case.headers,
                    case.body,
                    case.expect,
                    stats_reason=stats_verdict(stats) if _finite(value) else "stats_invalid",
                    check_stats=True,
                )
            yield case
        for method, path, headers in _body_routes(t)[1:]:
            body = f'{{"expires_at":{number},"latest_version":{number},"plan":{number}}}'.encode()
            yield Case(method, path, headers, body, _or_too_large(body, INVALID_REQUEST))


def _finite(value: object) -> bool:
    return not (isinstance(value, float) and value in (float("inf"), float("-inf")))


# ---- 4. invalid UTF-8 ------------------------------------------------------------------------

BAD_UTF8 = [
    b"\xff",
    b"\xfe\xff",
    b"\x80",
    b"\xbf",
    b"\xc0\xaf",  # overlong "/"
    b"\xc1\xbf",
    b"\xe0\x80\xaf",  # overlong, three bytes
    b"\xf0\x80\x80\xaf",  # overlong, four bytes
    b"\xed\xa0\x80",  # an encoded surrogate (CESU-8)
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf8\x88\x80\x80\x80",  # five-byte form
    b"\xc3",  # truncated
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xc3\x28",
    b"\xa0\xa1",
    b"\xe9",  # latin-1 "e acute"
]


def invalid_utf8(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key.encode()
    for bad in BAD_UTF8:
        templates = [
            b'{"license_key":"' + bad + b'"}',
            b'{"license_key":"' + key + bad + b'"}',
            b'{"license_key":"' + key + b'","version":"1.0.0' + bad + b'"}',
            b'{"license_key":"' + key + b'","stats":{"' + bad + b'":1}}',
            b'{"license_key":"' + key + b'","stats":{"a":{"' + bad + b'":1}}}',
            b'{"license_key":"' + key + b'","stats":"' + bad + b'"}',
            b'{"license_key":"' + key + b'","future":"' + bad + b'"}',
            b'{"' + bad + b'":1,"license_key":"' + key + b'"}',
            bad,
            bad + b'{"license_key":"' + key + b'"}',
            b'{"license_key":"' + key + b'"}' + bad,
            b'{"license_key":"' + key + b'"' + bad + b"}",
        ]
        for body in templates:
            yield _validate(body, INVALID_JSON)
        for method, path, headers in _body_routes(t)[1:]:
            for field in (b"customer", b"plan", b"latest_version", b"status"):
                body = b'{"' + field + b'":"' + bad + b'"}'
                yield Case(method, path, headers, body, INVALID_JSON)
    # Other encodings of a valid heartbeat: not UTF-8, so not JSON here.
    text = json.dumps({"license_key": t.license_key})
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp500"):
        # Some of these decode as UTF-8 (NULs between ASCII), none of them is JSON.
        yield _validate(text.encode(encoding), INVALID_JSON)
    # A BOM is not invalid UTF-8, but RFC 8259 forbids emitting it; either answer is fine.
    yield _validate(b"\xef\xbb\xbf" + text.encode(), expect((200, None), (400, "invalid_json")))
    # Random high bytes sprinkled into a valid heartbeat.
    valid = _dumps({"license_key": t.license_key, "version": "1.2.3", "stats": {"a": 1}})
    for _ in range(500):
        body = bytearray(valid)
        for _ in range(rng.randrange(1, 4)):
            body[rng.randrange(len(body))] = rng.choice([0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFF])
        data = bytes(body)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            yield _validate(data, INVALID_JSON)
        else:  # pragma: no cover - every byte above is invalid alone
            yield _validate(data)


# ---- 5. lone surrogates ------------------------------------------------------------------------

SURROGATES = [
    "\\ud800",
    "\\udbff",
    "\\udc00",
    "\\udfff",
    "\\ud800\\ud800",
    "\\udc00\\ud800",  # a pair in the wrong order
    "\\ud800x",
    "x\\udfff",
    "\\uD83D",
    "\\ud83d\\ude00",  # a valid pair (control: an emoji)
    "\\u0000",
    "\\uffff",
    "\\ufeff",
]


def lone_surrogates(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    for s in SURROGATES:
        # A JSON string, text or not: a key that fails the format test (zero KV operations).
        yield _validate(f'{{"license_key":"{s}"}}'.encode(), NOT_FOUND_KEY, zero_ops=True)
        yield _validate(f'{{"license_key":"{key}{s}"}}'.encode(), NOT_FOUND_KEY, zero_ops=True)
        yield _validate(
            f'{{"license_key":"{key}","version":"1.0.0-{s}"}}'.encode(), INVALID_REQUEST
        )
        stats_bodies = [
            f'{{"license_key":"{key}","stats":{{"{s}":1}}}}',
            f'{{"license_key":"{key}","stats":{{"a{s}":1}}}}',
            f'{{"license_key":"{key}","stats":{{"g":{{"{s}":1}}}}}}',
            f'{{"license_key":"{key}","stats":{{"a":"{s}"}}}}',
            f'{{"license_key":"{key}","stats":"{s}"}}',
            f'{{"license_key":"{key}","stats":["{s}"]}}',
            f'{{"license_key":"{key}","stats":{{"{s}":"{"x" * 5000}"}}}}',
        ]
        for body in stats_bodies:
            # JSON inside stats: the stats verdict refuses it (never stored), not the parser.
            yield _validate(body.encode(), expect((200, None)))
        # A top-level member name that is not text breaks the top level (jsonbody).
        lone = s not in ("\\ud83d\\ude00", "\\u0000", "\\uffff", "\\ufeff")
        yield _validate(
            f'{{"license_key":"{key}","{s}":"{s}"}}'.encode(),
            INVALID_JSON if lone else expect((200, None)),
        )
        for method, path, headers in _body_routes(t)[1:]:
            for field in ("customer", "plan", "latest_version", "release_notes_url", "status", s):
                body = f'{{"{field}":"{s}"}}'.encode()
                yield Case(method, path, headers, body, ANY_400)
            body = (
                f'{{"customer":"Acme {s}","plan":"pro","expires_at":null,'
                f'"latest_version":"1.0.0","release_notes_url":"https://x/{s}"}}'
            ).encode()
            yield Case(method, path, headers, body, None)
    # Well-formed admin bodies whose stored text carries a surrogate: refused or stored, never
    # a crash at the store.
    for s in SURROGATES:
        body = f'{{"customer":"Acme {s}","plan":"pro","expires_at":null}}'.encode()
        yield Case(
            "POST", "/v1/admin/licenses", (JSON_CT, t.admin), body, expect((201, None), *ANY_400)
        )
        body = f'{{"latest_version":"1.0.0","release_notes_url":"https://x.example/{s}"}}'.encode()
        yield Case(
            "PUT", "/v1/admin/release", (JSON_CT, t.admin), body, expect((200, None), *ANY_400)
        )
    for _ in range(200):
        chosen = "".join(rng.choice(SURROGATES[:8]) for _ in range(rng.randrange(1, 5)))
        body = f'{{"license_key":"{key}","stats":{{"k{chosen}":1,"ok":2}}}}'.encode()
        yield _validate(body, expect((200, None)), stats_reason="stats_invalid", check_stats=True)


# ---- 6. duplicate keys -------------------------------------------------------------------------


def duplicate_keys(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    other = "CC-0000-0000-0000-0000-0000-0000-0000"
    top_level = [
        f'{{"license_key":"{key}","license_key":"{other}"}}',
        f'{{"license_key":"{other}","license_key":"{key}"}}',
        f'{{"license_key":"{key}","license_key":"{key}"}}',
        f'{{"license_key":"{key}","version":"1.0.0","version":"99.0.0"}}',
        f'{{"license_key":"{key}","stats":{{"a":1}},"stats":{{"b":2}}}}',
        f'{{"license_key":"{key}","stats":null,"stats":{{"a":1}}}}',
    ]
    for body in top_level:
        # Which copy wins is parser-dependent: refusing is the only answer that cannot lie.
        yield _validate(body.encode(), INVALID_JSON, zero_ops=True)
    for body in [
        f'{{"license_key":"{key}","stats":{{"a":1,"a":2}}}}',
        f'{{"license_key":"{key}","stats":{{"g":{{"a":1,"a":2}}}}}}',
    ]:
        # Inside stats the same doubt makes the stats invalid; the license is still validated.
        yield _validate(
            body.encode(), expect((200, None)), stats_reason="stats_invalid", check_stats=True
        )
    yield _validate(
        f'{{"license_key":"{key}","future":{{"x":1,"x":2}}}}'.encode(), expect((200, None))
    )
    for method, path, headers in _body_routes(t)[1:]:
        for field, a, b in [
            ("customer", '"A"', '"B"'),
            ("plan", '"pro"', '"free"'),
            ("latest_version", '"1.0.0"', '"2.0.0"'),
            ("status", '"active"', '"revoked"'),
            ("expires_at", "null", '"2031-01-01T00:00:00Z"'),
        ]:
            body = f'{{"{field}":{a},"{field}":{b}}}'.encode()
            yield Case(method, path, headers, body, INVALID_JSON)
    for _ in range(250):
        n = rng.randrange(2, 30)
        names = [f"k{rng.randrange(5)}" for _ in range(n)]
        pairs = ",".join(f'"{name}":{rng.randrange(10)}' for name in names)
        body = f'{{"license_key":"{key}","stats":{{{pairs}}}}}'.encode()
        reason = "stats_invalid" if len(set(names)) < len(names) else None
        yield _validate(body, expect((200, None)), stats_reason=reason, check_stats=True)


# ---- 7. content types -------------------------------------------------------------------------

CONTENT_TYPES: list[str | None] = [
    None,
    "",
    "text/plain",
    "text/html",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/json; charset=utf-16",
    "application/json; charset=latin-1",
    "APPLICATION/JSON",
    "application/json, text/plain",
    "application/problem+json",
    "application/xml",
    "application/octet-stream",
    "*/*",
    "application/json;" + "a" * 4000,
    "\x7f",
    "json",
    "application/json; charset=utf-8; boundary=x",
]


def content_types(t: Target, rng: random.Random) -> Iterator[Case]:
    heartbeat = _dumps({"license_key": t.license_key, "version": "1.0.0", "stats": {"a": 1}})
    bodies: list[tuple[bytes, Expect | None]] = [
        (heartbeat, expect((200, None))),
        (f"license_key={t.license_key}&version=1.0.0".encode(), ANY_400),
        (
            b'--xyz\r\nContent-Disposition: form-data; name="license_key"\r\n\r\nCC\r\n--xyz--',
            ANY_400,
        ),
        (b"<license_key>CC</license_key>", ANY_400),
        (b"", ANY_400),
    ]
    for content_type in CONTENT_TYPES:
        headers: tuple[tuple[str, str], ...] = (
            () if content_type is None else (("content-type", content_type),)
        )
        for body, wanted in bodies:
            yield Case("POST", "/v1/validate", headers, body, wanted)
            for method, path, route_headers in _body_routes(t)[1:]:
                auth = tuple(h for h in route_headers if h[0] == "authorization")
                yield Case(method, path, headers + auth, body, None)
        # Conflicting content types: several headers.
        yield Case(
            "POST", "/v1/validate", (("content-type", "text/plain"), JSON_CT, *headers), heartbeat
        )
    for _ in range(300):
        junk = "".join(rng.choice(string.printable[:95]) for _ in range(rng.randrange(0, 60)))
        yield Case("POST", "/v1/validate", (("content-type", junk),), heartbeat)


# ---- 8. empty and non-object bodies -----------------------------------------------------------

NOT_JSON = [
    "",
    " ",
    "\n",
    "\t\r\n",
    "{",
    "}",
    "[",
    "{]",
    '{"license_key"}',
    '{"license_key":}',
    '{"license_key":"x",}',
    "[1,]",
    "{'license_key':'x'}",
    '{license_key:"x"}',
    '{"license_key":"x"} x',
    "{}{}",
    '{"a":1}\n{"b":2}',
    "// c\n{}",
    "/* c */{}",
    "undefined",
    "True",
    "None",
    "nil",
    '{"license_key":"x"',
    '"unterminated',
    "\x00",
    "{\x00}",
    "0x10",
    "01",
    "-",
    ".5",
    "1.",
    "+1",
    '{"a":1 "b":2}',
    '"\\x41"',
    '"\\u12"',
    '"\\q"',
    '"tab\there"',
    '"nl\nhere"',
]
NON_OBJECT_JSON = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1.5",
    "1e5",
    '"str"',
    '""',
    "[]",
    "[{}]",
    "[null]",
    '["license_key"]',
    " null ",
    "\n[]\n",
]


def empty_and_non_object(t: Target, rng: random.Random) -> Iterator[Case]:
    for method, path, headers in _body_routes(t):
        for text in NOT_JSON:
            yield Case(method, path, headers, text.encode(), INVALID_JSON)
            yield Case(method, path, headers, (" " * 50 + text + " " * 50).encode(), INVALID_JSON)
        for text in NON_OBJECT_JSON:
            yield Case(method, path, headers, text.encode(), INVALID_REQUEST)
        wrapped = _dumps([{"license_key": t.license_key}])
        yield Case(method, path, headers, wrapped, INVALID_REQUEST)
        yield Case(method, path, headers, None, INVALID_JSON)
    yield _validate(b"{}", INVALID_REQUEST)
    yield _validate(b'{"version":"1.0.0"}', INVALID_REQUEST)
    yield _validate(b'{"stats":{"a":1}}', INVALID_REQUEST)
    yield _validate(b'{"License_Key":"x"}', INVALID_REQUEST)
    yield _validate(b'{"license key":"x"}', INVALID_REQUEST)
    for _ in range(100):
        text = _dumps(rng.choice([[], {}, "", 0, None]))
        yield _validate(text, INVALID_REQUEST)  # {} lacks license_key; the rest are not objects


# ---- 9. wrong types for every field ------------------------------------------------------------

WRONG_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    1.5,
    -0.0,
    2**53,
    "",
    " ",
    "x" * 300,
    [],
    [1],
    ["a"],
    {},
    {"a": 1},
    {"license_key": "nested"},
    [[[]]],
    "null",
    "1.0.0",
    "active",
]


def wrong_types(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    for value in WRONG_VALUES:
        # license_key: a string is required; anything else is invalid_request.
        if isinstance(value, str):
            wanted = NOT_FOUND_KEY
            yield _validate(_dumps({"license_key": value}), wanted, zero_ops=True)
        else:
            yield _validate(_dumps({"license_key": value}), INVALID_REQUEST)
        # version: optional (null is absent); otherwise a SemVer string.
        wanted = expect((200, None)) if value is None or value == "1.0.0" else INVALID_REQUEST
        yield _validate(_dumps({"license_key": key, "version": value}), wanted)
        # stats: never fails the validation; the verdict follows docs/API.md (oracle).
        body = _dumps({"license_key": key, "stats": value})
        reason = None if value is None else stats_verdict(value)
        yield _validate(
            body, expect((200, None)), stats_reason=reason, check_stats=value is not None
        )
        body = _dumps({"license_key": key, "stats": {"a": value}})
        yield _validate(
            body, expect((200, None)), stats_reason=stats_verdict({"a": value}), check_stats=True
        )
        body = _dumps({"license_key": key, "stats": {"g": {"a": value}}})
        yield _validate(
            body,
            expect((200, None)),
            stats_reason=stats_verdict({"g": {"a": value}}),
            check_stats=True,
        )
        # Admin bodies: wrong types are invalid_request, never a write.
        create = {"customer": "Acme", "plan": "pro", "expires_at": None}
        for field in create:
            body = _dumps({**create, field: value})
            yield Case("POST", "/v1/admin/licenses", (JSON_CT, t.admin), body, None)
        for field in ("status", "plan", "expires_at"):
            body = _dumps({field: value})
            yield Case(
                "PATCH", f"/v1/admin/licenses/{t.license_id}", (JSON_CT, t.admin), body, None
            )
        for field in ("latest_version", "release_notes_url"):
            release = {"latest_version": "1.0.0", "release_notes_url": None, field: value}
            yield Case("PUT", "/v1/admin/release", (JSON_CT, t.admin), _dumps(release), None)
    for _ in range(200):
        value = rng.choice(WRONG_VALUES)
        field = rng.choice(["customer", "plan", "expires_at", "status", "latest_version", "extra"])
        yield Case(
            "POST", "/v1/admin/licenses", (JSON_CT, t.admin), _dumps({field: value}), ANY_400
        )


# ---- 10. oversized bodies ----------------------------------------------------------------------


def oversized(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    prefix = f'{{"license_key":"{key}","future":"'.encode()
    suffix = b'"}'
    for size in (MAX_BODY - 1, MAX_BODY, MAX_BODY + 1, MAX_BODY + 2, 20_000, 65_536, 1_000_000):
        pad = max(0, size - len(prefix) - len(suffix))
        body = prefix + b"x" * pad + suffix
        wanted = TOO_LARGE if len(body) > MAX_BODY else expect((200, None))
        for method, path, headers in _body_routes(t):
            this = wanted if path == "/v1/validate" or _over_cap(body) else None
            yield Case(method, path, headers, body, this)
            # The same body without a declared length (streamed as a chunked upload is).
            yield Case(method, path, headers, body, this, chunked=True)
    # Declared lengths over the cap, whatever the actual body: refused before reading.
    for declared in (MAX_BODY + 1, 100_000, 2**31, 2**63, 10**30, 1_073_741_824):
        for body in (b"", b"{}", _dumps({"license_key": key})):
            for method, path, headers in _body_routes(t):
                yield Case(
                    method, path, (*headers, ("content-length", str(declared))), body, TOO_LARGE
                )
    # Declared small, actual large: the actual size counts.
    for declared in (0, 1, 10, MAX_BODY):
        body = prefix + b"y" * (MAX_BODY + 100) + suffix
        yield _validate_with(body, (("content-length", str(declared)),), TOO_LARGE)
    # Large but valid-looking stats: the stats cap (4 KiB) is separate from the body cap.
    for n in range(1, 200, 7):
        stats = {f"k{i:05d}": i for i in range(n * 10)}
        body = _dumps({"license_key": key, "stats": stats})
        wanted = TOO_LARGE if _over_cap(body) else expect((200, None))
        yield _validate(
            body, wanted, stats_reason=stats_verdict(stats), check_stats=not _over_cap(body)
        )
    for _ in range(60):
        size = rng.randrange(MAX_BODY - 50, MAX_BODY + 50)
        body = rng.randbytes(size)
        yield _validate(body, TOO_LARGE if size > MAX_BODY else ANY_400)


def _validate_with(body: bytes, extra: tuple[tuple[str, str], ...], wanted: Expect) -> Case:
    return Case("POST", "/v1/validate", (JSON_CT, *extra), body, wanted)


# ---- 11. malformed license keys ----------------------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def malformed_keys(t: Target, rng: random.Random) -> Iterator[Case]:
    key = t.license_key
    symbols = [c for c in key[3:] if c != "-"]
    fixed = [
        "",
        " ",
        "CC",
        "CC-",
        "CC--",
        "cc-",
        "CC-" + "Z" * 28,
        key[:-1],
        key[:-5],
        key + "0",
        key + "-0000",
        key.replace("CC-", "CD-"),
        key.replace("CC-", ""),
        "\u0421C" + key[2:],
        key.replace("-", "\u2010"),
        "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in key),
        key + "\x00",
        "\x00" + key,
        key + "\n",
        "license:" + t.license_id,
        t.license_id,
        "license:*",
        "*",
        "%",
        "../" * 20,
        "'; DROP TABLE licenses; --",
        "${jndi:ldap://x/a}",
        "%s%s%n",
        "{{7*7}}",
        "<script>",
        "A" * 10_000,
        "CC-" + "-" * 1000,
        key * 4,
        "\U0001f600" * 10,
        "\u202e" + key,
    ]
    for candidate in fixed:
        yield _validate(_dumps({"license_key": candidate}), NOT_FOUND_KEY, zero_ops=True)
    # All zeros is a codeword of every linear check code, and the placeholder people type into
    # templates: it must be refused before KV like any other non-key.
    for placeholder in (
        "CC-" + "0" * 28,
        "CC-0000-0000-0000-0000-0000-0000-0000",
        "CC-" + "O" * 28,
    ):
        yield _validate(_dumps({"license_key": placeholder}), NOT_FOUND_KEY, zero_ops=True)
    # Lookalikes and case are normalised (O/I/L read as 0/1): still the same license.
    for candidate in (key.lower(), key.replace("0", "O").replace("1", "I"), key.replace("-", " ")):
        yield _validate(_dumps({"license_key": candidate}), expect((200, None)))
    # Every single substitution at every position: the check code refuses them all.
    for position in range(len(symbols)):
        for _ in range(4):
            mutated = list(symbols)
            mutated[position] = rng.choice([c for c in CROCKFORD if c != symbols[position]])
            candidate = _format(mutated)
            yield _validate(_dumps({"license_key": candidate}), NOT_FOUND_KEY, zero_ops=True)
    # Every adjacent transposition that changes the key.
    for position in range(len(symbols) - 1):
        if symbols[position] == symbols[position + 1]:
            continue
        mutated = list(symbols)
        mutated[position], mutated[position + 1] = mutated[position + 1], mutated[position]
        yield _validate(_dumps({"license_key": _format(mutated)}), NOT_FOUND_KEY, zero_ops=True)
    # Two and three substitutions.
    for count in (2, 3):
        for _ in range(150):
            mutated = list(symbols)
            for position in rng.sample(range(len(symbols)), count):
                mutated[position] = rng.choice([c for c in CROCKFORD if c != symbols[position]])
            yield _validate(_dumps({"license_key": _format(mutated)}), NOT_FOUND_KEY, zero_ops=True)
    # Random strings: well-formed by chance only with probability 2^-15 (then one KV read).
    for _ in range(400):
        alphabet = rng.choice([CROCKFORD, string.printable, CROCKFORD + "-", "IOLU" + CROCKFORD])
        candidate = "CC-" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        yield _validate(_dumps({"license_key": candidate}), NOT_FOUND_KEY)


def _format(symbols: list[str]) -> str:
    text = "".join(symbols)
    return "CC-" + "-".join(text[i : i + 4] for i in range(0, len(text), 4))


# ---- 12. unknown routes and methods ------------------------------------------------------------

KNOWN = [
    ("POST", "/v1/validate"),
    ("GET", "/v1/update-check"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/healthz"),
    ("GET", "/openapi.json"),
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO", "get"]
METHODS += ["post", "M-SEARCH", "X" * 100]


# Fetch normalises these six method names' case (WHATWG "normalize a method"); PATCH it does not.
_NORMALISED = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}


def _effective(method: str) -> str:
    return method.upper() if method.upper() in _NORMALISED else method


def unknown_routes(t: Target, rng: random.Random) -> Iterator[Case]:
    for method in METHODS:
        for known_method, path in KNOWN:
            if _effective(method) == known_method:
                continue
            yield Case(method, path, (JSON_CT,), b"{}", NO_ROUTE, zero_ops=True)
        paths = [
            "/",
            "/v1",
            "/v1/",
            "/v2/validate",
            "/v1/validate/",
            "/V1/VALIDATE",
            "/v1/validatex",
            "/v1//validate",
            "//v1/validate",
            "/v1/%76alidate",
            "/v1/validate%00",
            "/v1/validate;x",
            "/healthz/",
            "/.well-known/",
            "/.well-known/jwks.json/x",
            "/openapi.json.bak",
            "/.env",
            "/wp-admin",
            "/admin",
            "/v1/admin",
            "/v1/adminx/licenses",
            "/" + "a" * 8000,
            "/%2e%2e/%2e%2e/etc/passwd",
            "/v1/\u00e9",
            "/\u202e",
            "/v1/validate\\x",
            "/*",
            "/v1/update-check/1.0.0",
        ]
        for path in paths:
            yield Case(method, path, (JSON_CT,), b"{}", NO_ROUTE, zero_ops=True)
    # Dot segments: a URL parser may resolve them to a known route; either way, no write.
    for path in (
        "/v1/../v1/validate",
        "/./v1/validate",
        "/healthz/..",
        "/v1/./healthz/../validate",
    ):
        for method in METHODS:
            yield Case(method, path, (JSON_CT,), b"{}", None)
    for _ in range(500):
        segments = [
            "".join(
                rng.choice(string.ascii_letters + string.digits + "-._~%")
                for _ in range(rng.randrange(0, 12))
            )
            for _ in range(rng.randrange(1, 6))
        ]
        path = "/" + "/".join(segments)
        if path.startswith("/v1/admin/"):
            continue
        yield Case(rng.choice(METHODS), path, (), None, NO_ROUTE, zero_ops=True)
    # Admin paths: unknown ones are unauthorised before routing (no route leaks without a token).
    for path in ("/v1/admin/", "/v1/admin/x", "/v1/admin/licenses/x/y/z", "/v1/admin/../validate"):
        yield Case("GET", path, (), None, UNAUTHORIZED, zero_ops=True)
        yield Case("GET", path, (t.admin,), None, None)
    for method in METHODS:
        if _effective(method) in ("GET", "PUT"):
            continue
        yield Case(method, "/v1/admin/release", (t.admin,), None, NO_ROUTE, zero_ops=True)


# ---- 13. query string abuse ------------------------------------------------------------------


def query_abuse(t: Target, rng: random.Random) -> Iterator[Case]:
    bad_versions = [
        "",
        "1",
        "1.0",
        "1.0.0.0",
        "01.0.0",
        "1.0.0-",
        "1.0.0+",
        "v1.0.0",
        " 1.0.0",
        "1.0.0%20",
        "1.0.0%0A",
        "%00",
        "%zz",
        "%",
        "%%",
        "%ff%fe",
        "1.0.0-%C3%A9",
        "%F0%9F%98%80",
        "1" * 5000,
        "1.0.0-" + "a" * 59,
        "%u0031.0.0",
        "null",
        "[]",
        "{}",
        "1.0.0+b",
        "%EF%BC%91.0.0",
    ]
    for version in bad_versions:
        yield Case("GET", f"/v1/update-check?version={version}", (), None, INVALID_REQUEST)
    good = ["1.0.0", "0.0.0", "1.0.0-rc.1+b.2", "1.0.0-" + "a" * 58, "99999.99999.99999"]
    good += [
        "9" * 30 + ".0.0"
    ]  # SemVer sets no bound on a number, only the contract's 64 characters
    for version in map(functools.partial(quote, safe=""), good):
        yield Case("GET", f"/v1/update-check?version={version}", (), None, expect((200, None)))
        # Repeated parameters: the first one counts (http.py); the rest are ignored.
        yield Case(
            "GET", f"/v1/update-check?version={version}&version=x", (), None, expect((200, None))
        )
        yield Case(
            "GET", f"/v1/update-check?version=x&version={version}", (), None, INVALID_REQUEST
        )
    odd = [
        "",
        "?",
        "??",
        "?&&&",
        "?version",
        "?version[]=1.0.0",
        "?VERSION=1.0.0",
        "?version%3D1.0.0",
        "?" + "&".join(f"p{i}=1" for i in range(2000)),
        "?" + "a=" + "b" * 8000,
        "?;version=1.0.0",
        "?version=1.0.0#frag",
        "#version=1.0.0",
    ]
    for query in odd:
        yield Case("GET", f"/v1/update-check{query}", (), None, None)
        yield Case(
            "POST", f"/v1/validate{query}", (JSON_CT,), _dumps({"license_key": "x"}), NOT_FOUND_KEY
        )
        yield Case("GET", f"/healthz{query}", (), None, expect((200, None)), zero_ops=True)
    # Admin cursors: opaque, validated before KV sees them.
    cursors = [
        "",
        "x",
        "%00",
        "../../",
        "a" * 2000,
        "%ff",
        "=",
        "~" * 10,
        "\u00e9",
        "a b",
        "*",
        "-1",
    ]
    for cursor in cursors:
        for path in (
            "/v1/admin/licenses",
            "/v1/admin/fleet",
            f"/v1/admin/licenses/{t.license_id}/validations",
        ):
            yield Case(
                "GET",
                f"{path}?cursor={cursor}",
                (t.admin,),
                None,
                expect((200, None), (400, "invalid_request")),
            )
    for _ in range(400):
        query = "&".join(
            "".join(rng.choice(string.printable[:94]) for _ in range(rng.randrange(0, 12)))
            for _ in range(rng.randrange(1, 8))
        )
        query = query.replace("#", "%23")
        yield Case("GET", f"/v1/update-check?{query}", (), None, None)


# ---- 14. header abuse ------------------------------------------------------------------------


def header_abuse(t: Target, rng: random.Random) -> Iterator[Case]:
    heartbeat = _dumps({"license_key": t.license_key})
    lengths = [
        "abc",
        "-1",
        "1e3",
        "0x10",
        " 10 ",
        "10, 10",
        "99999999999999999999999",
        "+5",
        "",
        "1_0",
    ]
    lengths += [
        "\u0661\u0660",
        "0",
        str(len(heartbeat)),
        str(len(heartbeat) - 1),
        str(len(heartbeat) + 1),
    ]
    for value in lengths:
        yield Case("POST", "/v1/validate", (JSON_CT, ("content-length", value)), heartbeat, None)
    for value in ("chunked", "gzip", "chunked, gzip", "identity", "x" * 1000):
        yield Case("POST", "/v1/validate", (JSON_CT, ("transfer-encoding", value)), heartbeat, None)
    for value in ("gzip", "br", "deflate", "x"):
        yield Case("POST", "/v1/validate", (JSON_CT, ("content-encoding", value)), heartbeat, None)
    big = "v" * 8000
    for name in (
        "authorization",
        "cf-connecting-ip",
        "x-forwarded-for",
        "user-agent",
        "cookie",
        "x-custom",
    ):
        for value in (big, "", " ", "\u00e9\u00e8", "a" * 100_000):
            yield Case("POST", "/v1/validate", (JSON_CT, (name, value)), heartbeat, None)
            yield Case(
                "GET", "/healthz", ((name, value),), None, expect((200, None)), zero_ops=True
            )
    many = tuple((f"x-h{i}", "v") for i in range(500))
    yield Case("POST", "/v1/validate", (JSON_CT, *many), heartbeat, None)
    dup_auth = (("authorization", f"Bearer {t.admin_token}"), ("authorization", "Bearer wrong"))
    yield Case("GET", "/v1/admin/release", dup_auth, None, None)
    for ip in (
        "not-an-ip",
        "::1",
        "0.0.0.0",
        "255.255.255.255",
        "1.2.3.4, 5.6.7.8",
        "[::1]:80",
        "\x00",
    ):
        yield Case(
            "POST",
            "/v1/validate",
            (JSON_CT, ("cf-connecting-ip", ip)),
            _dumps({"license_key": "x"}),
            NOT_FOUND_KEY,
        )
    for _ in range(400):
        headers = tuple(
            (
                "".join(
                    rng.choice(string.ascii_lowercase + "-") for _ in range(rng.randrange(1, 20))
                ),
                "".join(rng.choice(string.printable[:95]) for _ in range(rng.randrange(0, 200))),
            )
            for _ in range(rng.randrange(1, 10))
        )
        if any(name in ("content-length", "host") for name, _ in headers):
            continue
        yield Case("POST", "/v1/validate", (JSON_CT, *headers), heartbeat, None)


# ---- 15. random admin tokens -----------------------------------------------------------------

ADMIN_ROUTES = [
    ("POST", "/v1/admin/licenses"),
    ("GET", "/v1/admin/licenses"),
    ("GET", "/v1/admin/licenses/{id}"),
    ("PATCH", "/v1/admin/licenses/{id}"),
    ("DELETE", "/v1/admin/licenses/{id}"),
    ("GET", "/v1/admin/licenses/{id}/validations"),
    ("GET", "/v1/admin/licenses/{id}/export"),
    ("GET", "/v1/admin/fleet"),
    ("GET", "/v1/admin/release"),
    ("PUT", "/v1/admin/release"),
]


def wrong_authorizations(token: str, rng: random.Random) -> list[str | None]:
    """Authorization header values that must all be refused identically."""
    flipped = "".join(c if i else chr(ord(c) ^ 1) for i, c in enumerate(token))
    values: list[str | None] = [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Bearer {token[:-1]}",
        f"Bearer {token}x",
        f"Bearer x{token}",
        f"Bearer {flipped}",
        f"Basic {token}",
        f"Token {token}",
        token,
        f"Bearer {token.upper()}",
        f"Bearer\t{token}x",
        f"Bearer {token} {token}",
        "Bearer \x00",
        "Bearer \u00e9",
        f"Bearer {token * 100}",
        "Bearer null",
        "Bearer undefined",
        f"Bearer {token[: len(token) // 2]}",
        "Bearer " + "A" * 10_000,
    ]
    for _ in range(40):
        length = rng.choice([0, 1, 8, 16, 32, 43, 44, 64, 200])
        values.append(
            "Bearer "
            + "".join(
                rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(length)
            )
        )
    return values


def admin_tokens(t: Target, rng: random.Random) -> Iterator[Case]:
    for value in wrong_authorizations(t.admin_token, rng):
        for method, pattern in ADMIN_ROUTES:
            path = pattern.format(id=t.license_id)
            headers: tuple[tuple[str, str], ...] = (JSON_CT,)
            if value is not None:
                headers = (*headers, ("authorization", value))
            body = (
                b'{"customer":"x","plan":"pro","expires_at":null}'
                if method in ("POST", "PUT", "PATCH")
                else None
            )
            yield Case(method, path, headers, body, UNAUTHORIZED, zero_ops=True)
            yield Case(
                method, path + "?token=" + t.admin_token, headers, body, UNAUTHORIZED, zero_ops=True
            )


GENERATORS: dict[str, Callable[[Target, random.Random], Iterator[Case]]] = {
    "deep_nesting": deep_nesting,
    "non_finite": non_finite,
    "huge_numbers": huge_numbers,
    "invalid_utf8": invalid_utf8,
    "lone_surrogates": lone_surrogates,
    "duplicate_keys": duplicate_keys,
    "content_types": content_types,
    "empty_and_non_object": empty_and_non_object,
    "wrong_types": wrong_types,
    "oversized": oversized,
    "malformed_keys": malformed_keys,
    "unknown_routes": unknown_routes,
    "query_abuse": query_abuse,
    "header_abuse": header_abuse,
    "admin_tokens": admin_tokens,
}
