"""One declared resource driven through its dynamic provider in process, in the order the Pulumi engine calls it
for one resource (docs/pulumi-engine.md): ``check`` of the new inputs against the old, ``diff`` against the state,
then ``create``, ``update``, or a replacement (``delete`` first when the diff asks for it); ``read`` for a refresh.
Left out: the engine's second check of a replacement without the old inputs, and everything between resources
(ordering, outputs that are unknown at preview): tests/e2e drives those through the real engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi.dynamic import ResourceProvider

Json = dict[str, Any]


@dataclass
class Managed:
    """A resource's provider, its checked inputs and its state (``id`` and outputs) between steps."""

    provider: ResourceProvider
    inputs: Json = field(default_factory=dict)
    id: str = ""
    outs: Json = field(default_factory=dict)

    def check(self, inputs: Json) -> Json:
        """The checked inputs; a failure raises, naming the property and the reason."""
        checked = self.provider.check(self.inputs, inputs)
        assert not checked.failures, [(f.property, f.reason) for f in checked.failures]
        return checked.inputs

    def step(self, inputs: Json) -> str:
        """What ``pulumi preview`` would show for ``inputs``: ``create``, ``same``, ``update`` or ``replace``."""
        news = self.check(inputs)
        if not self.id:
            return "create"
        diff = self.provider.diff(self.id, self.outs, news)
        return "replace" if diff.replaces else "update" if diff.changes else "same"

    def up(self, inputs: Json) -> str:
        """Applies ``inputs`` as ``pulumi up`` would; the step taken."""
        news = self.check(inputs)
        if not self.id:
            created = self.provider.create(news)
            self.id, self.outs, self.inputs = created.id, dict(created.outs or {}), news
            return "create"
        diff = self.provider.diff(self.id, self.outs, news)
        if diff.replaces:
            assert diff.delete_before_replace, "the same identity cannot be created before the old one is deleted"
            self.provider.delete(self.id, self.outs)
            created = self.provider.create(news)
            self.id, self.outs, self.inputs = created.id, dict(created.outs or {}), news
            return "replace"
        if diff.changes:
            updated = self.provider.update(self.id, self.outs, news)
            self.outs, self.inputs = dict(updated.outs or {}), news
            return "update"
        return "same"

    def refresh(self) -> None:
        """Reads the live object into the state, as ``pulumi refresh`` does."""
        read = self.provider.read(self.id, self.outs)
        assert read.id, f"{self.id} is gone"
        self.outs = dict(read.outs or {})
