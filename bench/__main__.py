"""`python -m bench [name ...]`: run the benchmarks (every bench/*.py module with a `main()`), print their figures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

NOT_BENCHMARKS = {"__main__", "make_large", "common"}  # the builder of the large database, and shared helpers


def main(argv: list[str]) -> int:
    modules = pkgutil.iter_modules([str(Path(__file__).parent)])
    names = argv or sorted(m.name for m in modules if m.name not in NOT_BENCHMARKS)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            print(f"== {name}")
            module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
