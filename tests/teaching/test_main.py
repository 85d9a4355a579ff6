"""The command-line entry points of the README: the tour, info, and the main
job (`python -m pyactx demo`, here in its --quick form) run and produce output."""
import os
import subprocess
import sys


def _run(args, **kw):
    return subprocess.run([sys.executable, "-m", "pyactx", *args], capture_output=True, text=True,
                          timeout=600, **kw)


def test_tour_lists_every_function():
    import pyactx
    r = _run([])
    assert r.returncode == 0, r.stderr
    for name in pyactx.ACTIVATIONS:
        assert name in r.stdout
    assert "softmax" in r.stdout and "[[" in r.stdout


def test_info():
    r = _run(["info"])
    assert r.returncode == 0, r.stderr
    assert "pyactx" in r.stdout and "numpy" in r.stdout and "dispatch" in r.stdout


def test_demo_quick_writes_figures(tmp_path):
    out = tmp_path / "figs"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    r = _run(["demo", "--quick", "--out", str(out)], env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    pngs = list(out.glob("*.png"))
    assert len(pngs) >= 10, pngs
    assert all(p.stat().st_size > 5000 for p in pngs)
    index = out / "index.html"
    assert index.is_file()
    assert str(index.resolve()) in r.stdout          # the path is named at the end
    page = index.read_text(encoding="utf-8")
    assert page.count("<img ") == len(pngs) and page.count("data:image/png;base64,") == len(pngs)
    import re
    srcs = re.findall(r'src="([^"]*)"', page)
    assert len(srcs) == len(pngs) and all(u.startswith("data:image/png;base64,") for u in srcs)  # embedded
    for point in ("vanishes towards the input", "zig-zag", "trains worse than relu",
                  "softmax, not a sigmoid per token", "gates (LSTM, GLU) and binary outputs"):
        assert point in page, point   # (the terminal text wraps lines)
    assert r.stdout.count("Claim:") == 5 and r.stdout.count("Measured:") == 5


def test_help_lists_every_subcommand():
    r = _run(["--help"])
    assert r.returncode == 0, r.stderr
    for cmd in ("tour", "demo", "info", "bench"):
        assert f"  {cmd} " in r.stdout, cmd


def _options_without_help(help_text):
    """Option lines of an argparse --help output whose help column is empty."""
    import re
    lines = help_text.split("options:", 1)[1].splitlines()[1:]
    missing = []
    for i, line in enumerate(lines):
        m = re.match(r"^  (-[-\w]+)(?:[ ,][^ ].*?)?(  +(\S.*))?$", line)
        if not m:
            continue
        if m.group(3) is None and not (i + 1 < len(lines) and lines[i + 1].startswith(" " * 10)
                                       and not lines[i + 1].strip().startswith("-")):
            missing.append(m.group(1))
    return missing


def test_demo_help_describes_every_option():
    r = _run(["demo", "--help"])
    assert r.returncode == 0, r.stderr
    for opt in ("--out", "--quick", "--only"):
        assert opt in r.stdout
    assert _options_without_help(r.stdout) == [], r.stdout


def test_every_option_of_demo_and_bench_has_help():
    import argparse
    from unittest import mock

    from pyactx import bench, demo
    seen = {}

    def capture(self, *a, **kw):
        seen.setdefault(self.prog, []).append((a, kw.get("help")))
        return real(self, *a, **kw)

    real = argparse.ArgumentParser.add_argument
    with mock.patch.object(argparse.ArgumentParser, "add_argument", capture):
        for main in (demo.main, bench.parse_args):
            try:
                main(["--help"])
            except SystemExit:
                pass
    assert set(seen) == {"python -m pyactx demo", "python -m pyactx bench"}, seen
    for prog, args in seen.items():
        for flags, help_text in args:
            if "-h" in flags:
                continue
            assert help_text and help_text.strip(), f"{prog} {flags}: no help text"
