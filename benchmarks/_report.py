"""Reporting: machine description, targets, text table, JSON, Markdown and the PNG plot."""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

from . import workloads as wl

# ---------------------------------------------------------------------------------------------
# machine


def machine_info(kind: str, device: Any) -> dict[str, Any]:
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    name = cpu if kind == "cpu" else getattr(device, "device_kind", str(device))
    versions = {"python": platform.python_version(), "numpy": np.__version__, "jax": jax.__version__}
    for module in ("raggrad", "awkward"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return {
        "name": name,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "device": str(device),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_at_start": load,
        # other processes were running when the harness started (it is idle itself at that point)
        "busy": load > max(0.5, 0.25 * (os.cpu_count() or 1)),
        "versions": versions,
    }


# ---------------------------------------------------------------------------------------------
# formatting


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def _x(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}g}x" if value < 100 else f"{value:.0f}x"


def _status(row: dict[str, Any]) -> str:
    if row["status"] == "ok":
        return "ok"
    if row["status"] == "MISMATCH":
        return f"!!! MISMATCH: {row['reason']}"
    return f"{row['status']} ({row['reason']})"


COLUMNS = (
    "case",
    "size",
    "alternative",
    "median ms",
    "IQR ms",
    "vs best hand-written",
    "compile s",
    "peak mem / content",
    "temp / content",
    "padded / content",
    "check",
)


def row_cells(row: dict[str, Any]) -> list[str]:
    iqr = "" if row["q25_s"] is None else f"{_ms(row['q25_s'])}-{_ms(row['q75_s'])}"
    compile_s = "" if row["compile_s"] is None else f"{row['compile_s']:.2f}"
    return [
        row["case"],
        f"{row['size']:.0e}",
        row["alt"],
        _ms(row["median_s"]),
        iqr,
        _x(row["ratio"]),
        compile_s,
        _x(row["peak_x"]),
        _x(row["temp_x"]),
        _x(row["padded_x"]),
        _status(row),
    ]


def progress_line(row: dict[str, Any]) -> str:
    cells = row_cells(row)
    return f"{cells[2]:<14} {cells[3] or '-':>9} ms  {cells[5]:>7}  compile {cells[6] or '-':>5}  {cells[-1]}"


def text_table(rows: list[dict[str, Any]]) -> str:
    table = [list(COLUMNS)] + [row_cells(r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS) - 1)]
    lines = []
    previous = None
    for i, cells in enumerate(table):
        key = tuple(cells[:2])
        if i > 1 and key != previous:
            lines.append("")
        previous = key
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)) + "  " + cells[-1])
    return "\n".join(lines)


def text_overhead(overhead: list[dict[str, Any]]) -> str:
    lines = ["eager per-op overhead on 1,000 elements (raggrad minus the raw op on x.values):"]
    for e in overhead:
        if e["overhead_us"] is None:
            lines.append(f"  {e['backend']:<6} {e['op']:<40} n/a ({e['reason']})")
        else:
            lines.append(
                f"  {e['backend']:<6} {e['op']:<40} {e['overhead_us']:7.1f} us "
                f"(raggrad {e['raggrad_us']:.1f} us, raw {e['raw_us']:.1f} us)"
            )
    return "\n".join(lines)


def text_targets(targets: list[dict[str, Any]]) -> str:
    lines = ["targets:"]
    for t in targets:
        lines.append(f"  [{t['verdict']:<4}] {t['target']}: {t['measured']}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# targets


def _find(rows: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def _ok(row: dict[str, Any]) -> bool:
    return row["status"] == "ok" and row["median_s"] is not None


def _why(rows: list[dict[str, Any]]) -> str:
    bad = [r for r in rows if not _ok(r)]
    if not rows:
        return "not run"
    return "; ".join(sorted({f"{r['alt']}: {_status(r)}" for r in bad})) or "not run"


def evaluate_targets(
    rows: list[dict[str, Any]], overhead: list[dict[str, Any]], mode: str
) -> list[dict[str, Any]]:
    out = []

    def add(target: str, verdict: str, measured: str) -> None:
        out.append({"target": target, "verdict": verdict, "measured": measured})

    # 1. A jitted gradient within 1.1x of the best hand-written JAX, 1e5 to 1e7 elements
    sel = [r for r in _find(rows, workload="A", alt="raggrad-jit") if 10**5 <= r["size"] <= 10**7]
    good = [r for r in sel if _ok(r) and r["ratio"] is not None]
    name = "A: raggrad jit gradient <= 1.1x best hand-written JAX at 1e5-1e7 elements"
    if good and len(good) == len(sel):
        worst = max(good, key=lambda r: r["ratio"])
        add(
            name,
            "PASS" if worst["ratio"] <= 1.1 else "MISS",
            f"worst {worst['ratio']:.2f}x ({worst['case']} {worst['size']:.0e}); "
            + ", ".join(f"{r['dist']} {r['size']:.0e}: {r['ratio']:.2f}x" for r in good),
        )
    else:
        add(name, "N/A", _why(sel))

    # 2, 3: speed-up over awkward's JAX backend
    for workload, size, factor in (("A", 10**6, 10), ("B", 10**5, 20)):
        unit = "elements" if workload == "A" else "events"
        name = f"{workload}: raggrad jit >= {factor}x faster than awkward-jax at {size:.0e} {unit}"
        pairs = []
        for ours in _find(rows, workload=workload, size=size, alt="raggrad-jit"):
            theirs = _find(rows, workload=workload, size=size, dist=ours["dist"], alt="awkward-jax")
            pairs.append((ours, theirs[0] if theirs else None))
        good = [(o, t) for o, t in pairs if t is not None and _ok(o) and _ok(t)]
        if pairs and len(good) == len(pairs):
            speedups = [(t["median_s"] / o["median_s"], o) for o, t in good]
            worst = min(s for s, _ in speedups)
            add(
                name,
                "PASS" if worst >= factor else "MISS",
                ", ".join(f"{o['case']}: {s:.1f}x" for s, o in speedups),
            )
        else:
            add(name, "N/A", _why([r for p in pairs for r in p if r is not None]))

    # 4. eager overhead
    name = "eager overhead <= 10 us per op (1,000 elements, numpy and jax)"
    overhead = [e for e in overhead if not e.get("informational")]
    measured = [e for e in overhead if e["overhead_us"] is not None]
    if any(e["overhead_us"] < 0 for e in measured):
        add(
            name,
            "N/A",
            "noise exceeds the difference (negative overhead); rerun on an idle machine: "
            + ", ".join(f"{e['backend']} {e['op']}: {e['overhead_us']:.1f} us" for e in measured),
        )
    elif measured and len(measured) == len(overhead):
        worst = max(e["overhead_us"] for e in measured)
        add(
            name,
            "PASS" if worst <= 10 else "MISS",
            ", ".join(f"{e['backend']} {e['op']}: {e['overhead_us']:.1f} us" for e in measured),
        )
    else:
        add(
            name,
            "N/A" if not measured else "MISS",
            "; ".join(
                f"{e['backend']} {e['op']}: {e['reason']}" for e in overhead if e["overhead_us"] is None
            )
            + (
                "; " + ", ".join(f"{e['backend']} {e['op']}: {e['overhead_us']:.1f} us" for e in measured)
                if measured
                else ""
            ),
        )

    # 5. compile time at 1e7 elements in 1e6 lists
    name = "A: compile time (trace+lower+compile) <= 2 s at 1e7 elements, Poisson(10) (--full)"
    sel = _find(rows, workload="A", dist="poisson", size=10**7, alt="raggrad-jit")
    if sel and _ok(sel[0]) and sel[0]["compile_s"] is not None:
        hand = [
            r["compile_s"]
            for r in _find(rows, workload="A", dist="poisson", size=10**7)
            if r["alt"] in wl.HANDWRITTEN and r["compile_s"]
        ]
        extra = f" (hand-written: {min(hand):.2f} s)" if hand else ""
        add(name, "PASS" if sel[0]["compile_s"] <= 2 else "MISS", f"{sel[0]['compile_s']:.2f} s{extra}")
    else:
        add(name, "N/A", "not run (--full only)" if mode != "full" else _why(sel))

    # 6. peak memory
    name = "A: raggrad jit peak memory <= 2x content bytes, independent of the longest list"
    sel = [r for r in _find(rows, workload="A", alt="raggrad-jit") if r["size"] >= 10**5]
    good = [r for r in sel if _ok(r) and r["peak_x"] is not None]
    if good and len(good) == len(sel):
        worst = max(r["peak_x"] for r in good)
        spread = []
        for size in sorted({r["size"] for r in good}):
            by_dist = {r["dist"]: r["peak_x"] for r in good if r["size"] == size}
            if len(by_dist) == 2:
                spread.append(max(by_dist.values()) / min(by_dist.values()))
        independent = all(s <= 1.25 for s in spread)
        add(
            name,
            "PASS" if worst <= 2 and independent else "MISS",
            f"worst {worst:.2f}x content; pareto/poisson peak ratio "
            + (", ".join(f"{s:.2f}" for s in spread) or "n/a")
            + "; "
            + ", ".join(f"{r['dist']} {r['size']:.0e}: {r['peak_x']:.2f}x" for r in good),
        )
    else:
        add(name, "N/A", _why(sel))
    return out


# ---------------------------------------------------------------------------------------------
# files


#: RESULTS.md keeps what follows this line when ``benchmarks.run`` writes the file anew
KEEP_MARKER = "<!-- the sections below come from other benchmark scripts; benchmarks.run keeps them -->"


def write_all(results: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    device = results["device"]
    paths = [out / f"results-{device}.json"]
    with open(paths[0], "w") as f:
        json.dump(results, f, indent=1, default=_json_default)
    png = out / f"results-{device}.png"
    made = plot(results, png)
    if made:
        paths.append(png)
    md = out / ("RESULTS.md" if device == "cpu" else f"RESULTS-{device}.md")
    # the sections other benchmarks (dynamic, dask, analysis) wrote below the marker are kept
    kept = md.read_text().partition(KEEP_MARKER)[2] if md.exists() else ""
    text = markdown(results, png.name if made else None)
    md.write_text(text + ("\n" + KEEP_MARKER + kept if kept else ""))
    paths.append(md)
    return paths


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def markdown(results: dict[str, Any], png: str | None) -> str:
    m = results["machine"]
    v = m["versions"]
    lines = [
        f"# raggrad benchmark results ({results['device'].upper()})",
        "",
        f"Generated by `python -m benchmarks.run --{results['mode']} --device {results['device']}` "
        f"on {m['date']}, in {results['seconds']:.0f} s.",
        "",
        f"- machine: {m['name']}"
        + (f" (host CPU: {m['cpu']})" if results["device"] != "cpu" else "")
        + f", {m['cores']} cores; JAX device `{m['device']}`",
        "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        f"- load average at start: {m['load_at_start']:.1f}"
        + (
            " — the machine was shared with other processes while this ran, so timings are noisy"
            if m.get("busy", m["load_at_start"] > 0.5)
            else ""
        ),
    ]
    if results.get("note"):
        lines.append(f"- note: {results['note']}")
    lines += [
        "",
        "See `benchmarks/README.md` for what each workload and alternative is.",
        "",
        "## Targets",
        "",
        *(
            ["The targets are set for the CPU; on this device they are shown for information.", ""]
            if results["device"] != "cpu"
            else []
        ),
        "| verdict | target | measured |",
        "|---|---|---|",
    ]
    lines += [f"| {t['verdict']} | {t['target']} | {t['measured']} |" for t in results["targets"]]
    lines += [
        "",
        "## Eager per-op overhead",
        "",
        "| backend | op | overhead µs | raggrad µs | raw µs |",
        "|---|---|---|---|---|",
    ]
    for e in results["overhead"]:
        if e["overhead_us"] is None:
            lines.append(f"| {e['backend']} | `{e['op']}` | n/a ({e['reason']}) | | |")
        else:
            figures = f"{e['overhead_us']:.1f} | {e['raggrad_us']:.1f} | {e['raw_us']:.1f}"
            lines.append(f"| {e['backend']} | `{e['op']}` | {figures} |")
    lines += [
        "",
        "## Timings",
        "",
        "Median of the steady-state calls; IQR over the repeats; ratio to the faster hand-written "
        "JAX variant at the same size; compile = trace + lower + compile (AOT); peak memory from "
        "XLA's memory analysis of the compiled function, as a multiple of the ragged content's bytes.",
        "",
    ]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for row in results["rows"]:
        cells = [c.replace("|", "\\|") for c in row_cells(row)]
        if row["status"] == "MISMATCH":
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    torch_result = results.get("torch")
    if torch_result:
        lines += [
            "",
            "## Torch backend",
            "",
            f"Workload A's gradient (`loss.backward()`), torch {torch_result['torch']} on "
            f"{torch_result['device']}, {torch_result['dtype']}, {torch_result['elements']:,} elements in "
            f"{torch_result['lists']:,} lists: raggrad's torch backend against hand-written `index_add` + "
            f"autograd, timed as interleaved pairs (target ratio <= {torch_result['target']}).",
            "",
            "| mode | raggrad ms | hand-written ms | ratio | compile s (raggrad / hand-written) |",
            "|---|---|---|---|---|",
        ]
        for r in torch_result["rows"]:
            comp = f"{r['compile_s'][0]:.1f} / {r['compile_s'][1]:.1f}" if r["compile_s"] else ""
            cells = [
                r["mode"],
                f"{r['raggrad_ms']:.2f}",
                f"{r['handwritten_ms']:.2f}",
                f"{r['ratio']:.2f}",
                comp,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    if png:
        lines += ["", f"![time vs size and ratio to hand-written JAX]({png})"]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> bool:
    """Time vs size per alternative and ratio to hand-written JAX, one row of panels per case."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the PNG plot")
        return False
    rows = [r for r in results["rows"] if r["median_s"] is not None]
    cases = list(dict.fromkeys(r["case"] for r in results["rows"]))
    if not cases:
        return False
    fig, axes = plt.subplots(len(cases), 2, figsize=(11, 3.2 * len(cases)), squeeze=False)
    xlabel = {"A": "elements", "B": "events", "C": "sequences"}
    for (ax_t, ax_r), case in zip(axes, cases, strict=True):
        for k, alt in enumerate(wl.ALTERNATIVES):
            color = f"C{k}"  # one color per alternative in every panel
            sel = sorted((r for r in rows if r["case"] == case and r["alt"] == alt), key=lambda r: r["size"])
            if not sel:
                continue
            sizes = [r["size"] for r in sel]
            style = "--" if alt in wl.HANDWRITTEN else "-"
            ax_t.errorbar(
                sizes,
                [r["median_s"] * 1e3 for r in sel],
                yerr=[
                    [(r["median_s"] - r["q25_s"]) * 1e3 for r in sel],
                    [(r["q75_s"] - r["median_s"]) * 1e3 for r in sel],
                ],
                fmt="o" + style,
                ms=3,
                label=alt,
                capsize=2,
                color=color,
            )
            ratio = [(r["size"], r["ratio"]) for r in sel if r["ratio"]]
            if ratio:
                ax_r.plot(*zip(*ratio, strict=True), "o" + style, ms=3, label=alt, color=color)
        workload = case.split()[0]
        for ax in (ax_t, ax_r):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(xlabel.get(workload, "size"))
            ax.grid(True, which="both", alpha=0.3)
        ax_r.axhline(1.0, color="k", lw=0.8)
        ax_t.set_ylabel("median time (ms)")
        ax_r.set_ylabel("time / best hand-written JAX")
        ax_t.set_title(f"{case}: time")
        ax_r.set_title(f"{case}: ratio to hand-written JAX")
        ax_t.legend(fontsize=7)
    m = results["machine"]
    fig.suptitle(
        f"raggrad benchmarks ({results['mode']}, {results['device']}: {m['name']}, {m['date']})", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
