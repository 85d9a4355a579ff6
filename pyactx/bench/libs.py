"""The peer libraries, imported lazily: each missing one is a note, not an error."""
from __future__ import annotations

import os
import sys
from typing import Dict, List


class Libs:
    def __init__(self, wanted):
        self.notes: List[str] = []
        self.info: Dict[str, dict] = {}
        self.scipy_special = self.torch = self.F = self.A = self.ne = self.jax = self.jnp = None
        if "scipy" in wanted or "numpy" in wanted:
            try:
                import scipy
                import scipy.special as sp
                self.scipy_special = sp
                self.info["scipy"] = {"version": scipy.__version__}
            except ImportError:
                self.notes.append("scipy not installed: scipy peer and the erf-based NumPy "
                                  "GELU composites skipped")
        if "torch" in wanted:
            try:
                import torch
                import torch.nn.functional as F
                self.torch, self.F, self.A = torch, F, torch.ops.aten
                cap = getattr(getattr(torch.backends, "cpu", None), "get_cpu_capability", None)
                self.info["torch"] = {"version": torch.__version__,
                                      "default_threads": torch.get_num_threads(),
                                      "cpu_capability": cap() if cap else None}
            except ImportError:
                self.notes.append("torch not installed: torch peer skipped "
                                  "(pip install torch==2.13.0 for the CPU wheel)")
        if "numexpr" in wanted:
            try:
                import numexpr
                self.ne = numexpr
                self.info["numexpr"] = {"version": numexpr.__version__,
                                        "use_vml": bool(getattr(numexpr, "use_vml", False)),
                                        "default_threads": numexpr.get_num_threads()}
            except ImportError:
                self.notes.append("numexpr not installed: numexpr peer skipped")
        if "jax" in wanted:
            set_flags = "jax" not in sys.modules and "XLA_FLAGS" not in os.environ
            if set_flags:     # read once, when XLA's CPU client starts (jax.devices() below)
                os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                                           "intra_op_parallelism_threads=1")
            try:
                import jax
                jax.config.update("jax_enable_x64", True)
                jax.config.update("jax_platforms", "cpu")
                import jax.numpy as jnp
                self.jax, self.jnp = jax, jnp
                import jaxlib
                self.info["jax"] = {"version": jax.__version__, "jaxlib": jaxlib.__version__,
                                    "XLA_FLAGS": os.environ.get("XLA_FLAGS"),
                                    "devices": [str(d) for d in jax.devices()]}
            except Exception as e:   # ImportError, or a jaxlib that cannot start
                self.notes.append(f"jax not usable ({type(e).__name__}: {e}): jax peer skipped")
            finally:
                if set_flags:
                    os.environ.pop("XLA_FLAGS", None)
        self.available = {"numpy": True, "scipy": self.scipy_special is not None,
                          "torch": self.torch is not None, "numexpr": self.ne is not None,
                          "jax": self.jax is not None}
