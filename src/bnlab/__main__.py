"""python -m bnlab: the `bnlab` command (bnlab.cli)."""

import sys

from bnlab.cli import main

sys.exit(main())
