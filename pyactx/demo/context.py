"""What the sections of ``python -m pyactx demo`` share: where figures go (:class:`Figures`) and the
run's context (:class:`Context`)."""

from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional

from .report import SAVE_DPI, Report


class Figures:
    """Saves figures into ``out`` and lists them in the report (or does nothing when
    matplotlib is missing).  Every callable in ``hooks`` (the class list, then the
    instance's) is called as ``hook(name, fig)`` before the figure is saved and closed."""

    hooks: List[Callable] = []

    def __init__(self, out: str, report: Optional[Report] = None, hooks=()):
        self.out = out
        self.report = report
        self.saved: List[str] = []
        self.instance_hooks = list(hooks)
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            self.plt = plt
        except ImportError:
            self.plt = None
            print("(matplotlib is not installed: tables only, no figures)")

    @property
    def enabled(self) -> bool:
        return self.plt is not None

    def save_all(self, build: Callable[[], Dict[str, object]], captions: Optional[Dict[str, str]] = None):
        """``build()`` returns ``{file name: Figure}``; each is handed to the hooks, saved, closed."""
        if self.plt is None:
            return
        os.makedirs(self.out, exist_ok=True)
        for name, fig in build().items():
            for hook in list(type(self).hooks) + self.instance_hooks:
                hook(name, fig)
            path = os.path.join(self.out, name)
            fig.savefig(path, dpi=SAVE_DPI)
            self.plt.close(fig)
            self.saved.append(path)
            if self.report is not None:
                self.report.figure(path, (captions or {}).get(name, ""))

    # the single-figure form of earlier versions
    def save(self, name: str, make: Callable):
        self.save_all(lambda: {name: make()})


class Context:
    """What the sections share: the report, the figures, the mode, and results that a later
    section's explanation refers to."""

    def __init__(self, report: Report, figs: Figures, quick: bool):
        self.report, self.figs, self.quick = report, figs, quick
        self.say = report.say
        self.results: Dict[str, object] = {}
