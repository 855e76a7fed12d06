import sys

from plantrack.cli import main

sys.exit(main())
