from emr_desktop.cli import main

raise SystemExit(main())
