"""jitboot: build, size-check and boot x86-64 unikernels that JIT-compile QBE IL."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root (the directory holding dodo.py).
ROOT = Path(__file__).resolve().parent.parent
