"""Imported at start-up by every Python that scripts/pulumi.sh runs (it prepends this directory to PYTHONPATH).

Only the dynamic-provider process (``python -m pulumi.dynamic ENGINE``) does anything: it starts the engine
watchdog at once, so it exits with a killed CLI even if no provider call ever reached it.
"""

import sys

if "pulumi.dynamic" in getattr(sys, "orig_argv", ()):
    try:
        from pulumi_serving.engine_watchdog import start_if_provider_host
    except ImportError:  # another interpreter without this package: nothing to watch with
        pass
    else:
        start_if_provider_host()
