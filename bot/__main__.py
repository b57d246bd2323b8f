"""Entry point of ``python -m bot`` and the ``bayan`` console script (see ``bot.cli.main``)."""

import sys

from bot.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
