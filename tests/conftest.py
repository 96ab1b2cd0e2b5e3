"""Suite-wide pytest hooks: the Pulumi CLI in the header, and in CI a run without e2e tests fails.

Under pytest-xdist the check runs once, in the controller, which sees every worker's reports."""

from __future__ import annotations

import gc
import os
import subprocess

import pytest

# The live-server fixtures (``live_server``, ``server_factory``) are registered once, here, for every test directory.
pytest_plugins = ["tests.support.fixtures"]

# The Go tools the suite starts (about 450 Pulumi CLI runs with their language hosts) collect garbage only past 1 GiB
# of heap instead of at every doubling: about 8% less CPU for the e2e tier (benchmarks/RESULTS.md), no change in
# what they do. A value set by the caller wins.
os.environ.setdefault("GOGC", "off")
os.environ.setdefault("GOMEMLIMIT", "1GiB")

_e2e_passed: list[str] = []

# The order xdist hands out the test modules in (`make test` passes --no-loadscope-reorder, whose default would hand
# out the modules with the most tests first, and so the long end-to-end modules of one or two tests last): the
# end-to-end tier first, tens of seconds a module, and the short unit modules last, to keep every core busy to the
# end of the run (benchmarks/RESULTS.md).
_TIER_ORDER = ("e2e", "packaging", "api", "clients", "fidelity", "unit")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection made (test modules, items, fixtures) lives to the end of the run: frozen, the cyclic garbage
    collector stops walking it again in every full collection of a test process (fuzz and API modules: 6-17% less
    CPU, benchmarks/RESULTS.md)."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers in ``_TIER_ORDER`` (a tier not listed goes last); within a tier, collection order."""

    def rank(item: pytest.Item) -> int:
        tier = item.path.parent.name
        return _TIER_ORDER.index(tier) if tier in _TIER_ORDER else len(_TIER_ORDER)

    items.sort(key=rank)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Name the Pulumi CLI the e2e tests run through, so every test log shows its version."""
    if _is_xdist_worker(config):
        return []
    from tests.support.pulumi_stack import ensure_pulumi_bin

    try:
        bin_dir = ensure_pulumi_bin()
    except RuntimeError as err:
        return [f"pulumi CLI: unavailable ({str(err).splitlines()[0]})"]
    version = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True).stdout.strip()
    return [f"pulumi CLI: {version} at {bin_dir / 'pulumi'}"]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "e2e" in report.keywords:
        _e2e_passed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true the end-to-end tests must have run: a green run without them is turned red."""
    if _is_xdist_worker(session.config):
        return
    if _in_ci() and exitstatus == 0 and not _e2e_passed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("CI=true but no end-to-end (e2e) test ran: failing the run.", red=True)
