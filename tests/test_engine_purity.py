"""nn_core imports NumPy and the standard library only, directly or indirectly."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("streamlit", "altair", "pandas", "matplotlib")

PROBE = f"""
import pkgutil, sys
import nn_core
names = ["nn_core"]
for info in pkgutil.walk_packages(nn_core.__path__, "nn_core."):
    if info.name != "nn_core.__main__":  # running it would start the command line
        __import__(info.name)
        names.append(info.name)
print(",".join(names))
print("forbidden:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})))
"""


def test_nn_core_imports_no_ui_or_dataframe_library():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    imported, forbidden = result.stdout.strip().split("\n")
    assert forbidden == "forbidden:"
    # The walk really covered the engine's modules, in its subpackages too.
    for module in ("nn_core.network", "nn_core.training", "nn_core.teaching.presets", "nn_core.datasets",
                   "nn_core.analysis", "nn_core.analysis.compare", "nn_core.files.export"):
        assert module in imported.split(",")
