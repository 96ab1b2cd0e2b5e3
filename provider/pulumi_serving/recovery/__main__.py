"""``python -m pulumi_serving.recovery PULUMI [--stack NAME]``: resolve pending creates before a run.

``--backend-only`` (scripts/pulumi.sh, before every other command) repairs only the file backend's sidecars, loading
nothing else of the recovery.
"""

import sys

if sys.argv[1:2] == ["--backend-only"]:
    from .file_backend import backend_url, repair_backend

    repair_backend(backend_url())
    sys.exit(0)

from .runner import main

sys.exit(main())
