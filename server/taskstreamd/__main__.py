from taskstreamd.cli import main

raise SystemExit(main())
