"""What a run's dict becomes: the summary of the issue's targets, the text
table, the PNG of speed-ups against size, and the JSON file."""
from __future__ import annotations

import json
import math
from typing import Dict, Optional

from .cases import FLOOR, PEERS, _size_label


def _sig(v, n=4):
    if v is None or not math.isfinite(v) or v == 0:
        return v
    return float(f"{v:.{n}g}")


def _find(cases, func, dtype, size, threads="1"):
    for r in cases:
        if r["func"] == func and r["dtype"] == dtype and r["size"] == size and r["threads"] == threads:
            return r
    return None


def summarize(res) -> dict:
    cases = res["cases"]
    targets = []

    def target(title, func, dtype, size, peers, threads="1"):
        r = _find(cases, func, dtype, size, threads)
        if r is None:
            return
        targets.append({"target": title, "func": func, "dtype": dtype, "size": size,
                        "threads": threads,
                        "pyactx_ns": r["ns_per_el"].get("pyactx"),
                        "pyactx_cpu_ns": r["ns_per_el_cpu"].get("pyactx"),
                        "peers": {p: {"ns": r["ns_per_el"].get(p), "speedup": r["speedup"].get(p),
                                      "cpu_ns": r["ns_per_el_cpu"].get(p)}
                                  for p in peers if p in r["ns_per_el"]},
                        "floor_ns": r["ns_per_el"].get(FLOOR), "x_floor": r.get("x_floor")})

    target("float32 sigmoid, 1e6, 1 thread", "sigmoid", "float32", 10**6, ("torch", "scipy", "numpy"))
    target("float64 exact gelu, 1e6, 1 thread", "gelu", "float64", 10**6, ("torch", "scipy", "numpy"))
    for fn in ("sigmoid", "silu", "gelu_tanh"):
        for dt in ("float32", "float64"):
            target(f"{dt} {fn}, 1e7, vs np.negative floor", fn, dt, 10**7, ())
    for fn in ("softmax", "log_softmax"):
        target(f"float32 {fn} 1000x1000 axis=1, 1 thread", f"{fn}_1000x1000_axis1", "float32", 10**6,
               ("scipy", "torch", "numpy", "jax"))
    r1 = _find(cases, "gelu", "float64", 10**7, "1")
    ra = _find(cases, "gelu", "float64", 10**7, "all")
    scal = None
    if r1 and ra:
        p1, pa = r1["ns_per_el"].get("pyactx"), ra["ns_per_el"].get("pyactx")
        reused = "pyactx" in ra.get("reused_from_1_thread", [])
        scal = {"target": f"float64 gelu 1e7: pyactx speed-up with {ra['nthreads']} threads",
                "pyactx_1_thread_ns": p1, "pyactx_all_ns": pa,
                "speedup": None if reused or not (p1 and pa) else _sig(p1 / pa, 3),
                "note": "n/a: pyactx has no set_num_threads yet" if reused else None}
        tr1, tra = r1["ns_per_el"].get("torch"), ra["ns_per_el"].get("torch")
        if tr1 and tra:
            scal["torch_speedup"] = _sig(tr1 / tra, 3)
    todo = {}
    for r in cases:
        if r["size"] not in (10**5, 10**6) or r["func"].endswith("_axis1"):
            continue
        faster = {p: s for p, s in r["speedup"].items() if s is not None and s < 1}
        key = f'{r["func"]} {r["dtype"]} {_size_label(r["size"])} threads={r["threads"]}'
        if faster:
            todo[key] = dict(sorted(faster.items(), key=lambda kv: kv[1]))
    return {"targets": targets, "threads_scaling": scal, "peers_faster_at_1e5_1e6": todo}



def _fmt_ns(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def render(res) -> str:
    m = res["machine"]
    lines = []
    lines.append(f"pyactx benchmark ({res['created']}): {res.get('command', '')}")
    lines.append(f"CPU: {m.get('cpu')} ({m.get('cores_usable')} usable cores, flags "
                 f"{' '.join(m.get('cpu_flags', []))}); {m.get('mem_total_gib')} GiB; {m.get('platform')}")
    vers = [f"python {m['python']}", f"numpy {m['numpy']}"]
    for k in ("scipy", "torch", "numexpr", "jax"):
        if k in m and isinstance(m[k], dict):
            vers.append(f"{k} {m[k].get('version')}")
    vers.append(f"pyactx {m['pyactx']['version']}")
    lines.append("versions: " + ", ".join(vers))
    env = m.get("env", {})
    lines.append("env: " + (", ".join(f"{k}={v}" for k, v in env.items() if v is not None) or "(none set)") +
                 (f"; unset for this run: {m['openblas_env_unset_for_benchmark']}"
                  if m.get("openblas_env_unset_for_benchmark") else ""))
    if m.get("loadavg_start"):
        la = lambda v: "/".join(f"{x:.1f}" for x in v) if v else "?"   # noqa: E731
        lines.append(f"load average (1/5/15 min) at start {la(m['loadavg_start'])}, at end "
                     f"{la(m.get('loadavg_end'))}; median CPU/wall of 1-thread timings "
                     f"{m.get('median_cpu_over_wall_1_thread')}")
    ext = m.get("pyactx", {}).get("extension", {})
    lines.append(f"pyactx dispatch {m['pyactx'].get('dispatch')} (available "
                 f"{m['pyactx'].get('available_dispatch')}), extension {ext.get('sha256_16')} "
                 f"built {ext.get('mtime')}")
    for n in res["notes"]:
        lines.append(f"note: {n}")
    if res.get("skipped"):
        for fn, d in res["skipped"].items():
            for p, why in d.items():
                lines.append(f"skipped: {fn} / {p}: {why}")
    lines.append("")
    lines.append("ns/element = median time per call / elements.  Peer cells: ns/el (speed-up = "
                 "peer/pyactx; < 1 means the peer is faster).  floor = np.negative(x, out=y); "
                 "xfl = pyactx / floor.  * = measured at 1 thread and reused;  ! = result did not "
                 "match pyactx's;  ~N slow / ~Ns = not timed: one call would take over "
                 f"{res['config']['max_call_s']} s (N = ns/el scaled from the previous size).")
    s = res["summary"]
    lines.append("")
    lines.append("== The issue's targets ==")
    for t in s["targets"]:
        peers = "  ".join(f"{p} {_fmt_ns(v['ns'])} ({v['speedup']}x)" for p, v in t["peers"].items())
        lines.append(f"{t['target']:52s} pyactx {_fmt_ns(t['pyactx_ns'])} ns/el "
                     f"[cpu {_fmt_ns(t['pyactx_cpu_ns'])}]  {peers}"
                     f"  floor {_fmt_ns(t['floor_ns'])} -> {t['x_floor']}x floor")
    if s.get("threads_scaling"):
        sc = s["threads_scaling"]
        lines.append(f"{sc['target']}: {sc['speedup'] if sc['speedup'] else 'n/a'}"
                     f" (1 thread {sc['pyactx_1_thread_ns']} ns/el, all {sc['pyactx_all_ns']} ns/el)"
                     + (f"; {sc['note']}" if sc.get("note") else "")
                     + (f"; torch's own speed-up {sc['torch_speedup']}" if sc.get("torch_speedup") else ""))
    lines.append("")
    lines.append("== Peers faster than pyactx at 1e5 and 1e6 (speed-up < 1) ==")
    if not s["peers_faster_at_1e5_1e6"]:
        lines.append("(none)")
    for k, d in s["peers_faster_at_1e5_1e6"].items():
        lines.append(f"{k:48s} " + ", ".join(f"{p} {v}x" for p, v in d.items()))
    lines.append("")
    lines.append("== All cases ==")
    cols = [p for p in PEERS if any(p in r["ns_per_el"] for r in res["cases"])]
    head = f"{'function':28s} {'dtype':7s} {'n':>5s} {'thr':>3s} {'pyactx':>8s}"
    for p in cols:
        head += f" {p:>15s}"
    head += f" {'floor':>7s} {'xfl':>6s}"
    lines.append(head)
    lines.append("-" * len(head))
    for r in res["cases"]:
        reused = set(r.get("reused_from_1_thread", []))
        pcell = (f"~{_fmt_ns(r['too_slow']['pyactx'])}s" if "pyactx" in r.get("too_slow", {})
                 else _fmt_ns(r['ns_per_el'].get('pyactx')) + ('*' if 'pyactx' in reused else ''))
        row = (f"{r['func'][:28]:28s} {r['dtype']:7s} {_size_label(r['size']):>5s} {r['threads']:>3s} "
               f"{pcell:>8s}")
        for p in cols:
            v = r["ns_per_el"].get(p)
            if v is None and p in r.get("too_slow", {}):
                cell = f"~{_fmt_ns(r['too_slow'][p])} slow"
            elif v is None:
                cell = "-"
            else:
                cell = f"{_fmt_ns(v)} ({r['speedup'].get(p)})"
                if p in r.get("disagree", ()):
                    cell += "!"
                if p in reused:
                    cell += "*"
            row += f" {cell:>15s}"
        row += f" {_fmt_ns(r['ns_per_el'].get(FLOOR)):>7s} {str(r.get('x_floor') or '-'):>6s}"
        lines.append(row)
    lines.append("")
    lines.append(f"elapsed: {res.get('elapsed_s')} s")
    return "\n".join(lines)


def plot(res, path) -> Optional[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    cases = [r for r in res["cases"] if r["threads"] == "1" and not r["func"].endswith("_axis1")]
    dtypes = [d for d in ("float32", "float64") if any(r["dtype"] == d for r in cases)]
    peers = [p for p in PEERS if any(p in r["speedup"] for r in cases)]
    if not dtypes or not (peers or any(r.get("x_floor") for r in cases)):
        return None
    cols = peers + ["floor"]
    fig, axes = plt.subplots(len(dtypes), len(cols), figsize=(3.2 * len(cols), 3.0 * len(dtypes)),
                             squeeze=False, sharex=True)
    highlight = {"sigmoid": "C0", "gelu": "C1", "silu": "C2", "softmax": "C3", "gelu_tanh": "C4"}
    for i, dt in enumerate(dtypes):
        for j, peer in enumerate(cols):
            ax = axes[i][j]
            by_func: Dict[str, list] = {}
            for r in cases:
                if r["dtype"] != dt:
                    continue
                v = r.get("x_floor") if peer == "floor" else r["speedup"].get(peer)
                if v:
                    by_func.setdefault(r["func"], []).append((r["size"], v))
            for fn, pts in by_func.items():
                pts.sort()
                xs, ys = zip(*pts)
                if fn in highlight:
                    ax.plot(xs, ys, "-o", color=highlight[fn], lw=1.8, ms=3, label=fn, zorder=3)
                else:
                    ax.plot(xs, ys, "-", color="0.6", lw=0.6, alpha=0.6, zorder=1)
            ax.axhline(1.0, color="k", lw=0.8, ls="--")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.grid(True, which="major", alpha=0.3)
            if peer == "floor":
                ax.set_title(f"{dt}: pyactx / np.negative", fontsize=9)
            else:
                ax.set_title(f"{dt}: {peer} / pyactx", fontsize=9)
            if i == len(dtypes) - 1:
                ax.set_xlabel("elements")
            if j == 0:
                ax.set_ylabel("time ratio (>1: pyactx faster)")
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("pyactx vs peers, 1 thread (grey: every other function and derivative)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    try:                                    # a palette PNG is a third of the size
        from PIL import Image
        with Image.open(path) as im:
            im.convert("RGB").quantize(colors=64).save(path, optimize=True)
    except Exception:
        pass
    return path


def dump_json(res, fh):
    """Compact but diff-friendly: one case per line."""
    cases = res["cases"]
    head = {k: v for k, v in res.items() if k != "cases"}
    txt = json.dumps(head, indent=1, sort_keys=False)
    body = ",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases)
    fh.write(txt[:-2] + ',\n "cases": [\n' + body + "\n ]\n}\n")
