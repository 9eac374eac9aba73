"""python -m jitboot.size: see jitboot.size.cli."""

import sys

from .cli import main

sys.exit(main())
