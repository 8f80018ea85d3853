"""``python -m taskstream.cli``: the same as the ``taskstream`` command."""

from taskstream.cli import main

raise SystemExit(main())
