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


def test_internal_modules_renamed_for_their_jobs_keep_their_old_paths() -> None:
    program = (
        "import warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from pulumi_serving.plan import calls, endpoint_view\n"
        "from pulumi_serving.server import endpoint_views\n"
        "from pulumi_serving.server.gateway import endpoint_view as gateway_view\n"
        "from pulumi_serving.payloads import api_paths\n"
        "from pulumi_serving.plan import comparable_endpoint\n"
        "from pulumi_serving.server import endpoint_documents\n"
        "from pulumi_serving.server.gateway import served_endpoint\n"
        "assert calls is api_paths and endpoint_view is comparable_endpoint\n"
        "assert endpoint_views is endpoint_documents and gateway_view is served_endpoint\n"
        "print(calls.PUT_CONFIG)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout == "PUT /api/2.0/serving-endpoints/{name}/config\n"
