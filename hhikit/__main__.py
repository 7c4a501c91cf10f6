import sys

from hhikit.cli import main

sys.exit(main())
