"""Entry point of ``python -m bot`` and the ``bayan`` console script (see ``bot.cli``)."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
