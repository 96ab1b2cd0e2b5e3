"""Repair of a stack whose Pulumi run was interrupted (``docs/crash-safety.md``).

``run_recovery`` (``pulumi-serving recover``) removes state sidecars a kill left empty, then the stack's lock when
its holder is provably dead on this host (``locks``), then resolves pending creates: ``plan_recovery`` (pure) turns
them into state entries marked as recovered, written with ``stack import`` and refreshed so that the providers keep
only the objects carrying this stack's marker. A lock a live run may hold is never touched. Names load on first use
(``lazy_exports``): the provider reads the recovered flag from ``pending`` without loading the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy_exports import lazy_exports

if TYPE_CHECKING:
    from .pending import PendingCreate, RecoveryPlan, plan_recovery
    from .runner import run_recovery

__all__ = ["PendingCreate", "RecoveryPlan", "plan_recovery", "run_recovery"]

__getattr__, __dir__ = lazy_exports(
    __name__, {"pending": ("PendingCreate", "RecoveryPlan", "plan_recovery"), "runner": ("run_recovery",)}
)
