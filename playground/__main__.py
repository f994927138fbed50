import sys

# A frozen (PyInstaller) build has no `-m`: its executable is started with
# playground.server.signing_helpers.HELPER_FLAG to run a token-signing helper process.
if sys.argv[1:] == ["--signing-helper"]:
    from playground.server.signer_worker import main
else:
    from playground.cli import main

raise SystemExit(main())
