"""Summarise a `python -m pyactx bench` JSON: per dtype and size (1 thread),
how many functions/derivatives pyactx runs faster than every peer that offers
them, the geometric-mean speed-up over each peer, and the cases it loses.

    python benchmarks/summarize.py benchmarks/results/bench-full.json [--before OLD.json]
"""
import argparse
import json
import math
from collections import defaultdict


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--before", help="an older run: pyactx ns/el before -> after per case")
    ap.add_argument("--threads", default="1")
    a = ap.parse_args()
    d = load(a.json)
    old = {}
    if a.before:
        for c in load(a.before)["cases"]:
            old[(c["func"], c["dtype"], c["size"], c["threads"])] = c["ns_per_el"].get("pyactx")
    groups = defaultdict(list)
    for c in d["cases"]:
        if c["threads"] != a.threads or "pyactx" not in c["ns_per_el"]:
            continue
        groups[(c["dtype"], c["size"])].append(c)
    print(f"threads={a.threads}: pyactx vs peers (speed-up = peer ns / pyactx ns)")
    print("| dtype | n | functions | faster than every peer | geo-mean speed-up: numpy / scipy / torch |"
          + (" geo-mean speed-up over the old build |" if old else ""))
    print("|---|---|---|---|---|" + ("---|" if old else ""))
    losers = []
    for (dt, n), cs in sorted(groups.items()):
        wins = 0
        logs = defaultdict(list)
        olds = []
        for c in cs:
            sp = {p: v for p, v in (c.get("speedup") or {}).items() if v and p not in ("floor",)}
            if sp and all(v >= 1 for v in sp.values()):
                wins += 1
            elif sp and n in (10**5, 10**6):
                worst = min(sp, key=sp.get)
                losers.append((c["func"], dt, n, worst, sp[worst]))
            for p, v in sp.items():
                logs[p].append(math.log(v))
            o = old.get((c["func"], dt, n, c["threads"]))
            if o and c["ns_per_el"]["pyactx"]:
                olds.append(math.log(o / c["ns_per_el"]["pyactx"]))
        gm = " / ".join(f"{math.exp(sum(logs[p]) / len(logs[p])):.2f}" if logs[p] else "-"
                        for p in ("numpy", "scipy", "torch"))
        row = f"| {dt} | {n:.0e} | {len(cs)} | {wins} | {gm} |"
        if old:
            row += f" {math.exp(sum(olds) / len(olds)):.1f}x ({len(olds)} cases) |" if olds else " - |"
        print(row)
    # the headline: every case PyTorch has, at 1e5 and 1e6 elements
    vs_torch = [c for cs in groups.values() for c in cs
                if c["size"] in (10**5, 10**6) and (c.get("speedup") or {}).get("torch")]
    won = sum(c["speedup"]["torch"] >= 1 for c in vs_torch)
    print()
    print(f"faster than PyTorch in {won} of {len(vs_torch)} cases "
          f"(threads={a.threads}, 1e5 and 1e6 elements, float32 and float64)")
    print()
    print("cases at 1e5/1e6 where some peer is faster (worst peer, its speed-up):")
    for f, dt, n, p, v in sorted(losers, key=lambda t: t[4]):
        print(f"  {f:28s} {dt:8s} {n:.0e}  {p} {v:.2f}")


if __name__ == "__main__":
    main()
