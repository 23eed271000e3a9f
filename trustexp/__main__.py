from trustexp.cli import main

raise SystemExit(main())
