"""The built reference page documents every public name of calclib."""

from __future__ import annotations

import re
from pathlib import Path

import calclib as cl


def test_every_public_name_has_an_entry_on_the_reference_page(built_site: Path) -> None:
    page = (built_site / "api.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'id="calclib\.(?:\w+\.)?(\w+)"', page))
    missing = sorted(set(cl.__all__) - documented)
    assert missing == [], f"public names with no entry on the reference page (api.md): {missing}"
