"""`make bench` imports each handler below a different number of stack frames per round (docs/decisions.md D30):
the depths cover one frame chunk evenly, and the snippet really imports the module at the depth it names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.bench import IMPORT_DEPTH_SPAN, IMPORT_SNIPPET, import_depth

# A module that prints how many frames are below it when it runs.
REPORTS_ITS_DEPTH = """import sys
frame, depth = sys._getframe(), 0
while frame:
    frame, depth = frame.f_back, depth + 1
print("depth", depth)
"""


def test_rounds_spread_evenly_over_one_chunk_from_no_padding() -> None:
    depths = [import_depth(r, 8) for r in range(8)]
    assert depths == sorted(set(depths))  # distinct, increasing
    assert depths[0] == 0
    assert depths[-1] < IMPORT_DEPTH_SPAN
    assert depths[1] - depths[0] == IMPORT_DEPTH_SPAN // 8


def test_the_snippet_imports_the_module_below_the_padding_frames(tmp_path: Path) -> None:
    (tmp_path / "reports_its_depth.py").write_text(REPORTS_ITS_DEPTH, encoding="utf-8")
    shallow, deep = (_run(tmp_path, depth) for depth in (0, 40))
    assert deep["depth"] - shallow["depth"] == 40  # and each printed its import time last (parsed as a float)


def _run(folder: Path, depth: int) -> dict[str, float]:
    code = IMPORT_SNIPPET.format(module="reports_its_depth", depth=depth)
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True)
    words = done.stdout.split()
    return {"depth": float(words[words.index("depth") + 1]), "ms": float(words[-1])}
