"""Install requirements are ranges; exact versions live only in constraints.txt, inside those ranges."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.pulumi_stack import CONSTRAINTS, REPO_ROOT, pinned_pulumi_version


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [Requirement(line) for line in [*project["dependencies"], *(r for extra in extras for r in extra)]]


def pins() -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in CONSTRAINTS.read_text().splitlines()]
    return {canonicalize_name(name): version for name, version in (line.split("==") for line in lines if line)}


def test_install_requirements_are_ranges_never_exact_pins() -> None:
    for requirement in declared_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert not operators & {"==", "==="}, f"{requirement} pins an exact version: pins go in constraints.txt"
        assert any(op.startswith("<") or op == "~=" for op in operators), f"{requirement} has no upper bound"


def test_pulumi_is_every_3x_from_the_lowest_tested_sdk() -> None:
    [pulumi] = [r for r in declared_requirements() if r.name == "pulumi"]
    assert {(s.operator, s.version) for s in pulumi.specifier} == {(">=", "3.216.0"), ("<", "4")}


def test_constraints_pin_every_package_exactly_and_inside_the_declared_ranges() -> None:
    pinned = pins()
    assert pinned["pulumi"] == pinned_pulumi_version()
    for requirement in declared_requirements():
        name = canonicalize_name(requirement.name)
        if requirement.marker is None or requirement.marker.evaluate():
            assert name in pinned, f"constraints.txt does not pin {name}"
            assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {requirement}"
