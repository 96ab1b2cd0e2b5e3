"""Bounded chaos: SIGKILL of the Pulumi CLI at 6 random (seeded, reported) points, two in each of up, update and
destroy of a 13-resource stack, each followed by ONE `scripts/pulumi.sh` up (or destroy); every trial must converge:
the server holds exactly the declaration (nothing after destroy), preview shows no changes, no orphan, no duplicate.
Seed: PULUMI_SERVING_CHAOS_SEED (default below). The suite keeps the count small (each trial is about 3 Pulumi runs
of the whole stack); benchmarks/chaos.py runs the same trials by the tens and records the figures."""

from __future__ import annotations

import os
import random

import pytest

from tests.support.chaos import run_trial, secrets_for_chaos

pytestmark = pytest.mark.e2e

TRIALS = 6
DEFAULT_SEED = 20261128


def test_sigkill_at_random_points_always_converges(program_stack, inprocess_server_factory):
    seed = int(os.environ.get("PULUMI_SERVING_CHAOS_SEED", DEFAULT_SEED))
    rng = random.Random(seed)
    server = inprocess_server_factory(update_delay=0)
    stack = program_stack(server, secrets_for_chaos())
    trials = [run_trial(stack, server, index, rng) for index in range(TRIALS)]
    report = "\n".join(
        f"seed {seed} trial {t.index} {t.phase}: kill after line {t.kill_line} "
        f"({'killed' if t.killed else 'ended first'}) -> "
        f"{'converged' if t.converged else 'NOT converged: ' + t.problem}"
        for t in trials
    )
    print(report)
    assert sum(t.killed for t in trials) >= TRIALS - 1, f"more than one run ended before its kill:\n{report}"
    assert all(t.converged for t in trials), report
