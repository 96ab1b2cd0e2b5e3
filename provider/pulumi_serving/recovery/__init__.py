"""Repair of a stack whose Pulumi run was interrupted (``docs/crash-safety.md``).

``plan_recovery`` (pure) turns the pending creates left in an exported deployment into state entries marked
as recovered; ``run_recovery`` applies that with the Pulumi CLI (``stack export``, ``stack import``, and a
``refresh`` of the recovered resources, whose providers keep only the objects carrying this stack's marker).
"""

from .pending import PendingCreate, RecoveryPlan, plan_recovery
from .runner import run_recovery

__all__ = ["PendingCreate", "RecoveryPlan", "plan_recovery", "run_recovery"]
