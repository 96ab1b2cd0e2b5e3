"""Repair of a stack whose Pulumi run was interrupted (``docs/crash-safety.md``).

``run_recovery`` (``pulumi-serving recover``) removes state sidecars a kill left empty, then the stack's lock when
its holder is provably dead on this host (``locks``), then resolves pending creates: ``plan_recovery`` (pure) turns
them into state entries marked as recovered, written with ``stack import`` and refreshed so that the providers keep
only the objects carrying this stack's marker. A lock a live run may hold is never touched.
"""

from .pending import PendingCreate, RecoveryPlan, plan_recovery
from .runner import run_recovery

__all__ = ["PendingCreate", "RecoveryPlan", "plan_recovery", "run_recovery"]
