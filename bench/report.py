"""The printed table and the target verdicts, from the results dictionary."""

from __future__ import annotations

from typing import Any

# The Worker's handler against the least a heartbeat that returns a signed lease must do.
HANDLER_RATIO_TARGET = 2.0
COLD_RATIO_TARGET = 1.5
# The dev server against `wrangler dev` serving the JavaScript twin, same load, same run.
TWIN_RPS_RATIO_TARGET = 1.0
TWIN_P99_RATIO_TARGET = 1.0
HEARTBEATS = ("heartbeat", "heartbeat_stats")
STEADY_ROUNDS = {
    "same_stats": "steady state, same stats as last time",
    "changed_stats": "steady state, changed stats",
    "no_stats": "steady state, no stats",
}


def _cold_start_rows(cold: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The targets (measured, or the error that stopped one), in the order bench.coldstart ran
    them; the entries beside them ("what", "runs") are not rows."""
    return [(name, entry) for name, entry in cold.items() if isinstance(entry, dict)]


def irreducible_line(inproc: dict[str, Any]) -> str | None:
    """How much of the 10x-floor budget the signature and the emulator's dispatch take alone."""
    sig = inproc.get("lease_signature")
    floor = (inproc.get("cases", {}).get("heartbeat") or {}).get("floor", {}).get("median_us")
    if not sig or not floor:
        return None
    line = (
        f"lease signature alone (Ed25519 JWS through PyJWT): median {sig['median_us']:.1f} us "
        f"= {sig['median_us'] / floor:.1f}x the heartbeat floor"
    )
    d = inproc.get("dispatch_only")
    if d:
        both = (sig["median_us"] + d["median_us"]) / floor
        line += f"; with the emulator's dispatch of a Worker answering {{}}: {both:.1f}x"
    return line


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cases = (results.get("inprocess") or {}).get("cases", {})
    for name in HEARTBEATS:
        h = (cases.get(name) or {}).get("handler") or {}
        if "ratio_to_floor_plus_signature" not in h:
            continue
        out.append(
            {
                "target": f"{name}: handler CPU median <= {HANDLER_RATIO_TARGET:g}x "
                "(floor + one lease signature)",
                "value": h["ratio_to_floor_plus_signature"],
                "met": h["ratio_to_floor_plus_signature"] <= HANDLER_RATIO_TARGET,
            }
        )
    probe = (results.get("inprocess") or {}).get("release_cache_probe")
    if probe:
        out.append(
            {
                "target": "release cache: heartbeat 1 read cached, 2 stale; update check <= 1",
                "value": [
                    probe["heartbeat_release_cached"]["reads"],
                    probe["heartbeat_release_stale"]["reads"],
                ],
                "met": probe["within_budget"],
            }
        )
    for name, c in cases.items():
        out.append(
            {
                "target": f"{name}: KV ops within the contract's budget",
                "value": {k: c["kv"][k]["max"] for k in ("reads", "writes", "lists")},
                "met": c["within_budget"],
            }
        )
    cold = results.get("cold_start") or {}
    # Both readings of "import entry": from a bare interpreter (stdlib included, the strict
    # one) and through the emulator's isolate loader (its stand-in SDK already loaded).
    for name, how in (("entry", "bare interpreter"), ("entry_isolate", "isolate loader")):
        entry = cold.get(name) or {}
        if "ratio_to_pydantic" in entry:
            out.append(
                {
                    "target": f"cold import entry ({how}) <= {COLD_RATIO_TARGET:g}x pydantic",
                    "value": entry["ratio_to_pydantic"],
                    "met": entry["ratio_to_pydantic"] <= COLD_RATIO_TARGET,
                }
            )
    twin = (results.get("http") or {}).get("workerd_twin")
    if twin:
        ratio = (twin.get("ratios") or {}).get("32") or {}
        for key, limit, what in (
            ("rps", TWIN_RPS_RATIO_TARGET, ">="),
            ("p99_ms", TWIN_P99_RATIO_TARGET, "<="),
        ):
            value = ratio.get(key)
            met = None if value is None else (value >= limit if what == ">=" else value <= limit)
            out.append(
                {
                    "target": f"dev server c=32 {'throughput' if key == 'rps' else 'p99'} "
                    f"{what} {limit:g}x wrangler dev's (JavaScript twin)",
                    "value": value if value is not None else twin.get("unavailable"),
                    "met": met,
                }
            )
    return out


def _fmt(v: Any, spec: str = ".1f") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return format(v, spec)
    return str(v)


def handler_lines(inproc: dict[str, Any]) -> list[str]:
    """The heartbeats' handler against the floor plus one lease signature, same slices."""
    lines = []
    for name in HEARTBEATS:
        c = inproc.get("cases", {}).get(name) or {}
        h = c.get("handler") or {}
        if "ratio_to_floor_plus_signature" not in h:
            continue
        lines.append(
            f"{c['title']}: handler {h['median_us']:.1f} us / (floor "
            f"{h['floor']['median_us']:.1f} + lease signature "
            f"{h['lease_signature']['median_us']:.1f}) = {h['ratio_to_floor_plus_signature']:.2f}x"
        )
    return lines


def steady_lines(inproc: dict[str, Any]) -> list[str]:
    """KV reads and writes per heartbeat of a fleet beating hourly."""
    steady = inproc.get("steady_state") or {}
    lines = []
    for name, title in STEADY_ROUNDS.items():
        r = steady.get(name)
        if r:
            lines.append(
                f"{title}: {r['reads']['mean']:.2f} reads (usually {r['reads']['mode']}), "
                f"{r['writes']['mean']:.2f} writes per heartbeat"
            )
    return lines


def twin_lines(http: dict[str, Any]) -> list[str]:
    """The dev server beside wrangler dev serving the JavaScript twin, level by level."""
    twin = http.get("workerd_twin") or {}
    if twin.get("unavailable"):
        return [f"wrangler dev (JavaScript twin): not measured: {twin['unavailable']}"]
    lines = []
    for c, lv in (twin.get("levels") or {}).items():
        ratio = twin["ratios"][c]
        lines.append(
            f"c={c}: wrangler dev (JavaScript twin) {lv['rps']:.0f} req/s, p99 "
            f"{lv['p99_ms']:.1f} ms, CPU {_fmt(lv.get('server_cpu_us_per_request'), '.0f')} "
            f"us/req; dev server / twin: throughput {_fmt(ratio['rps'], '.2f')}x, p99 "
            f"{_fmt(ratio['p99_ms'], '.2f')}x, CPU per request "
            f"{_fmt(ratio['server_cpu_us_per_request'], '.2f')}x"
        )
    return lines


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "MISSED")


def render(results: dict[str, Any]) -> str:
    lines: list[str] = []
    m = results["machine"]
    lines.append(
        f"machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, "
        f"Python {m['python']} ({m['implementation']}), {m['date']}"
    )
    inproc = results.get("inprocess")
    if inproc:
        lines.append("")
        lines.append("CPU per request in process (us) and KV operations per request")
        header = (
            f"{'case':<26}{'status':>7}{'median':>9}{'p99':>9}{'floor':>8}{'ratio':>7}"
            f"{'handler':>9}{'h.p99':>8}{'h+emuKV':>9}"
            f"  {'reads':>6}{'writes':>7}{'lists':>6}  budget"
        )
        lines.append(header)
        lines.append("-" * len(header) + "-" * 14)
        for c in inproc["cases"].values():
            h = c.get("handler") or {}
            kv = c["kv"]
            b = c["budget"]
            reads = f"{kv['reads']['mode']}/{kv['reads']['max']}"
            budget = (
                f"r<={b['reads']}"
                + (f"({b['reads_cached']} cached)" if "reads_cached" in b else "")
                + f" w<={b['writes']} {'ok' if c['within_budget'] else 'OVER'}"
            )
            status = ",".join(c["statuses"])
            lines.append(
                f"{c['title']:<26}{status:>7}{_fmt(c['cpu']['median_us']):>9}"
                f"{_fmt(c['cpu']['p99_us']):>9}{_fmt(c['floor']['median_us']):>8}"
                f"{_fmt(c['ratio_to_floor']):>6}x{_fmt(h.get('median_us')):>9}"
                f"{_fmt(h.get('p99_us')):>8}"
                f"{_fmt((c.get('handler_emulator_kv') or {}).get('median_us')):>9}"
                f"  {reads:>6}{kv['writes']['max']:>7}"
                f"{kv['lists']['max']:>6}  {budget}"
            )
        lines.append(
            "(reads: usual/max per request; handler: license_server.app.handle with a dict as KV "
            "and always-allowing limiters, no emulator dispatch; h+emuKV: handle with the "
            "emulator's KV and rate-limiter bindings)"
        )
        d = inproc.get("dispatch_only")
        if d:
            lines.append(
                f"emulator dispatch alone (a Worker answering {{}} at once): median "
                f"{d['median_us']:.1f} us, p99 {d['p99_us']:.1f} us"
            )
        irreducible = irreducible_line(inproc)
        if irreducible:
            lines.append(irreducible)
        lines += handler_lines(inproc)
        lines += steady_lines(inproc)
    probe = (inproc or {}).get("release_cache_probe")
    if probe:
        lines.append(
            "release cache probe (fake clock): heartbeat reads "
            f"{probe['heartbeat_release_cached']['reads']} cached / "
            f"{probe['heartbeat_release_stale']['reads']} stale, update check reads "
            f"{probe['update_check_release_cached']['reads']} cached / "
            f"{probe['update_check_release_stale']['reads']} stale: "
            f"{'within budget' if probe['within_budget'] else 'OVER BUDGET'}"
        )
    cold = results.get("cold_start")
    if cold:
        lines.append("")
        lines.append("Cold start (fresh interpreter, median of imports only)")
        for name, e in _cold_start_rows(cold):
            if "median_ms" in e:
                ratio = e.get("ratio_to_pydantic")
                extra = f"  {ratio}x pydantic" if ratio is not None else ""
                lines.append(
                    f"  {name:<16}{e['median_ms']:>8.1f} ms  ({e['modules_loaded']} modules){extra}"
                )
            elif e:
                lines.append(f"  {name:<16} error: {e.get('error')}")
    http = results.get("http")
    if http:
        lines.append("")
        lines.append("HTTP: workers-emulator dev on loopback, heartbeat with stats")
        for c, lv in http["levels"].items():
            lines.append(
                f"  c={c:<3} {lv['rps']:>8.0f} req/s  p50 {lv['p50_ms']:.2f} ms  "
                f"p99 {lv['p99_ms']:.2f} ms  server CPU {lv.get('server_cpu_us_per_request')} "
                f"us/req (one core: {lv.get('one_core_capacity_rps')} req/s)  "
                f"({lv['requests']} requests, statuses {lv['statuses']}, "
                f"errors {lv['errors'] or 0})"
            )
        lines += ["  " + line for line in twin_lines(http)]
        mem = http["memory"]
        lines.append(
            f"  server peak RSS (VmHWM) {mem['peak_rss_mib']} MiB (idle {mem['rss_idle_mib']} MiB)"
        )
    t = results.get("targets")
    if t:
        lines.append("")
        lines.append("Targets")
        for item in t:
            lines.append(f"  [{_verdict(item['met'])}] {item['target']}: {item['value']}")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The README's figures: ``uv run python -m bench.report [bench/results.json]``."""
    m = results["machine"]
    out = [
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB; "
        f"Python {m['python']} ({m['implementation']}); run {m['date']}"
        + ("" if not results.get("quick") else " (quick run)"),
        "",
    ]
    inproc = results.get("inprocess")
    if inproc:
        out += [
            "| case | status | CPU median µs | p99 µs | floor µs | ratio | handler µs "
            "| handler + emulated KV µs | KV reads (usual/max) | writes | lists | budget |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for c in inproc["cases"].values():
            b = c["budget"]
            budget = (
                f"r≤{b['reads']}"
                + (f" ({b['reads_cached']} cached)" if "reads_cached" in b else "")
                + f", w≤{b['writes']}: {'within' if c['within_budget'] else 'OVER'}"
            )
            h = c.get("handler") or {}
            hk = c.get("handler_emulator_kv") or {}
            out.append(
                f"| {c['title']} | {', '.join(c['statuses'])} | {c['cpu']['median_us']:.0f} "
                f"| {c['cpu']['p99_us']:.0f} | {c['floor']['median_us']:.1f} "
                f"| {c['ratio_to_floor']:.0f}x | {_fmt(h.get('median_us'), '.0f')} "
                f"| {_fmt(hk.get('median_us'), '.0f')} "
                f"| {c['kv']['reads']['mode']}/{c['kv']['reads']['max']} "
                f"| {c['kv']['writes']['max']} | {c['kv']['lists']['max']} | {budget} |"
            )
        d = inproc.get("dispatch_only")
        if d:
            out += [
                "",
                f"Emulator dispatch alone (a Worker answering `{{}}` at once): "
                f"median {d['median_us']:.0f} µs, p99 {d['p99_us']:.0f} µs.",
            ]
        irreducible = irreducible_line(inproc)
        if irreducible:
            out += ["", irreducible.replace(" us", " µs") + "."]
        out += ["", *(f"- {line.replace(' us', ' µs')}" for line in handler_lines(inproc))]
        steady = steady_lines(inproc)
        if steady:
            out += ["", "KV operations per heartbeat, fleet beating hourly:", ""]
            out += [f"- {line}" for line in steady]
    cold = results.get("cold_start")
    if cold:
        out += ["", "| cold start | median ms | x pydantic |", "|---|---:|---:|"]
        for name, e in _cold_start_rows(cold):
            if "median_ms" in e:
                out.append(f"| {name} | {e['median_ms']:.0f} | {e.get('ratio_to_pydantic', 1.0)} |")
    http = results.get("http")
    if http:
        out += [
            "",
            "| dev server, heartbeat + stats | req/s | p50 ms | p99 ms | server CPU µs/req |",
            "|---|---:|---:|---:|---:|",
        ]
        for c, lv in http["levels"].items():
            out.append(
                f"| concurrency {c} | {lv['rps']:.0f} | {lv['p50_ms']:.1f} | {lv['p99_ms']:.1f} "
                f"| {_fmt(lv.get('server_cpu_us_per_request'), '.0f')} |"
            )
        out += ["", *(f"- {line.replace(' us', ' µs')}" for line in twin_lines(http))]
        out += ["", f"Dev server peak RSS (VmHWM): {http['memory']['peak_rss_mib']} MiB."]
    t = results.get("targets")
    if t:
        out += ["", "| target | value | met |", "|---|---|---|"]
        verdicts = {True: "yes", False: "no", None: "n/a"}
        out += [f"| {i['target']} | {i['value']} | {verdicts[i['met']]} |" for i in t]
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    print(markdown(json.loads(path.read_text())))
