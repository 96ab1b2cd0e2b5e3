"""``python -m pulumi_serving.recovery PULUMI [--stack NAME]``: resolve pending creates before a run."""

import sys

from .runner import main

sys.exit(main())
