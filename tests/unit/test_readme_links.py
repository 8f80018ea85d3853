"""The README links only to files of the repository, which exist, and names no path outside it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_links_stay_inside_the_repository() -> None:
    text = (REPO / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets  # the security model, at least
    for target in targets:
        assert "://" not in target and not target.startswith(("/", "mailto:")), target
        path = (REPO / target.partition("#")[0]).resolve()
        assert path.is_relative_to(REPO) and path.exists(), target
    # No path that leaves the repository in the prose, linked or not (the shell examples may name the
    # reader's own directories beside a clone).
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    assert "../" not in prose
