"""Entry point for ``python -m matcher``."""

from matcher.cli import main

raise SystemExit(main())
