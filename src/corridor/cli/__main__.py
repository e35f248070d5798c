"""``python -m corridor.cli``: the same command line as ``corridor``."""

import sys

from corridor.cli import main

sys.exit(main())
