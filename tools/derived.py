"""What every generator of a derived file does with its output: write it,
or with --check only compare.  Used by tools/generate_*.py."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_or_check(outputs, argv, tool):
    """outputs: {path: text}.  Without --check, write the files whose text
    changed; with --check, write nothing and return 1 (naming the stale files
    and the tool that remakes them) if any differs."""
    check = "--check" in argv
    stale = []
    for path, text in outputs.items():
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(os.path.relpath(path, ROOT))
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path, ROOT)}")
    if stale:
        print(f"out of date (run python tools/{tool}): " + ", ".join(stale))
        return 1
    return 0
