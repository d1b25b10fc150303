"""``python -m leankit`` runs the command-line interface."""

from leankit.cli import main

raise SystemExit(main())
