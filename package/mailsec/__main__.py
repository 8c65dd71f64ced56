from mailsec.cli.main import main

raise SystemExit(main())
