"""Docs in the repository: the generated reference is current, docstrings point only into docs/, the changelog
names the package version."""

from __future__ import annotations

import re
import tomllib

from tests.support.pulumi_stack import REPO_ROOT
from tests.support.repo_scripts import load_script

DOCS = REPO_ROOT / "docs"
POINTER = re.compile(r"((?:\.\./)*docs/[\w.-]+\.md)#([\w-]+)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_reference_is_not_stale() -> None:
    assert (DOCS / "reference.md").read_text() == load_script("docs/generate.py").render(), (
        "docs/reference.md is stale: run `.venv/bin/python docs/generate.py`"
    )


def test_reference_lists_every_resource_argument_and_typed_argument() -> None:
    import inspect

    from pulumi_serving import generated_args as args
    from pulumi_serving import resources

    text = (DOCS / "reference.md").read_text()
    for cls in load_script("docs/generate.py")._resource_classes():
        section = text.split(f"### {cls.__name__}\n", 1)[1].split("\n### ", 1)[0]
        for name in inspect.signature(cls.__init__).parameters:
            if name not in ("self", "resource_name", "opts"):
                assert f"| `{name}` |" in section, (cls.__name__, name)
    assert {"ServingEndpoint", "SecretScope", "Secret", "SecretAcl", "RateLimits"} <= set(resources.__all__)
    for name in args.__all__:
        assert f"### {name}\n" in text


def test_no_docstring_cites_a_document_outside_the_repository() -> None:
    for path in (REPO_ROOT / "provider").rglob("*"):
        if path.suffix in (".py", ".md"):
            text = path.read_text()
            assert "reference §" not in text and "§" not in text, path


def test_every_pointer_into_docs_names_an_existing_section() -> None:
    pointers = 0
    for path in (REPO_ROOT / "provider").rglob("*"):
        if path.suffix not in (".py", ".md"):
            continue
        for target, anchor in POINTER.findall(path.read_text()):
            doc = (path.parent / target) if target.startswith("..") else REPO_ROOT / target
            assert doc.is_file(), (path, target)
            assert anchor in _anchors(doc.read_text()), (path, target, anchor)
            pointers += 1
    assert pointers >= 15  # the former citations of an outside document


def test_changelog_names_the_package_version() -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"## {version}\n" in (DOCS / "CHANGELOG.md").read_text()


def test_stack_file_doc_shows_the_plaintext_key_form_and_links_resolve() -> None:
    text = (DOCS / "stack-file.md").read_text()
    assert "{secret: anthropic_key}" in text and "environment:" in text and "config_reference" in text
    for doc in DOCS.glob("*.md"):
        for target, anchor in re.findall(r"\]\(([\w.-]+\.md)#([\w-]+)\)", doc.read_text()):
            assert anchor in _anchors((DOCS / target).read_text()), (doc.name, target, anchor)
