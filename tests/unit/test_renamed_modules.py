"""Renamed modules keep their old import paths: the same module objects, with a warning naming the new path."""

from __future__ import annotations

import subprocess
import sys


def test_old_import_paths_resolve_to_the_renamed_modules_and_warn() -> None:
    program = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from pulumi_serving.spec.endpoints import EndpointCoreConfigInput as old\n"
        "    from pulumi_serving.args import OpenAiConfigArgs as old_args\n"
        "from pulumi_serving.payloads.endpoints import EndpointCoreConfigInput as new\n"
        "from pulumi_serving.generated_args import OpenAiConfigArgs as new_args\n"
        "assert old is new and old_args is new_args\n"
        "print(sorted({str(w.message) for w in caught if w.category is DeprecationWarning}))\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert "pulumi_serving.spec.endpoints was renamed pulumi_serving.payloads.endpoints" in done.stdout
    assert "pulumi_serving.args was renamed pulumi_serving.generated_args" in done.stdout
