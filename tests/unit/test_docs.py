"""The repository explains itself: its documents link only to files inside it, and every file
docs/architecture.md walks a reader through exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Where a path in the architecture text may be rooted: the repo, the layer, the layer's package.
PATH_ROOTS = (ROOT, ROOT / "layers" / "shared", ROOT / "layers" / "shared" / "touchpoints")
NAMED_FILE = re.compile(r"`([\w./*-]+\.(?:py|yaml|md))(?:::\w+)?`")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_resolve(document):
    for target in LINK.findall(document.read_text()):
        if re.match(r"[a-z]+:", target):  # a web address
            continue
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{document.name} links outside the repository: {target}"
        assert path.exists(), f"{document.name} links to a missing file: {target}"


def test_every_file_the_architecture_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(NAMED_FILE.findall(text))
    assert named, "the architecture names no files"
    missing = sorted(
        name for name in named if not any(list(root.glob(name)) for root in PATH_ROOTS)
    )
    assert missing == [], f"docs/architecture.md names files that do not exist: {missing}"
