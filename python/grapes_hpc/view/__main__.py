"""Entry point of ``python -m grapes_hpc.view``."""
import sys

from .server import main

sys.exit(main())
