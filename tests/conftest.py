"""Suite-wide pytest hooks."""

from __future__ import annotations

import subprocess


def pytest_report_header(config) -> list[str]:
    """Name the Pulumi CLI the e2e tests run through, so every test log shows its version."""
    from tests.e2e.harness import ensure_pulumi_bin

    try:
        bin_dir = ensure_pulumi_bin()
    except RuntimeError as err:
        return [f"pulumi CLI: unavailable ({str(err).splitlines()[0]})"]
    version = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True).stdout.strip()
    return [f"pulumi CLI: {version} at {bin_dir / 'pulumi'}"]
