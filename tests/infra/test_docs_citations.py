"""Every citation in the repository resolves inside the repository.

Comments and docs used to cite notes kept outside the repository (a product brief, a Midtrans API reference, tooling
notes), which whoever inherits the code does not have. Their facts now live in `docs/product-contract.md` and
`docs/midtrans-behaviour.md`. This test keeps it that way: no text file names those outside notes or a path outside
the repository, and every `docs/<file>.md §N` (or `docs/decisions.md Dn`) names a heading that exists. Files are
read as text, never imported.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve()

TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".md", ".json", ".txt"}
TEXT_NAMES = {"Makefile"}
SKIPPED_FILES = {"docs/openapi.json"}  # generated from the code; its text comes from the docstrings scanned here
SKIPPED_DIRS = {".git", ".aws-sam", "__pycache__", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache"}

# (pattern, why it is refused). Case-sensitive `BRIEF` so that code names such as BRIEF_COPY stay legal.
FORBIDDEN = [
    (re.compile(r"\bBRIEF\b"), "cites the product brief kept outside the repository; use docs/product-contract.md"),
    (
        re.compile(r"\b(?:brief|reference|PRD)\s*§", re.IGNORECASE),
        "a § citation of an outside document; use docs/product-contract.md or docs/midtrans-behaviour.md",
    ),
    (
        re.compile(r"(?<![\w/.-])(?:midtrans-api|reliability|local-tooling|style-anchors)(?:\.md\b|\s*§)", re.I),
        "cites a reference note kept outside the repository; use a file under docs/",
    ),
    # One level up from the repository root; "../../shared/" from functions/<name>/ is the layer, inside it.
    (re.compile(r"(?<![./])\.\./shared/"), "a path outside the repository"),
    (re.compile(r"/work/shared\b"), "a path outside the repository"),
]

# Matches `docs/x.md §3`, `docs/x.md` §3, §4 (decisions.md style), `docs/x.md §4-§7` and `docs/x.md §6 and §7`.
SECTION_CITATION = re.compile(r"docs/(?P<doc>[\w-]+)\.md`?(?P<sections>(?:\s*(?:,|and|-|\u2013)?\s*§\d+(?:\.\d+)*)+)")
DECISION_CITATION = re.compile(r"docs/decisions\.md`?\s+D(?P<number>\d+)\b")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")


def repository_files(root: Path) -> list[str]:
    """Tracked and not-ignored new files (so a citation fails before it is committed), else a walk of the tree."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = []
        for directory, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".venv")]
            names.extend(str((Path(directory) / name).relative_to(root)) for name in files)
    return sorted(
        name
        for name in names
        if (Path(name).suffix in TEXT_SUFFIXES or Path(name).name in TEXT_NAMES)
        and name not in SKIPPED_FILES
        and not name.startswith((".venv", ".aws-sam/"))
        and (root / name).is_file()
        and (root / name).resolve() != THIS_FILE
    )


def numbered_headings(text: str) -> set[str]:
    """Numbers of the numbered headings: `## 3. Title` gives "3", `### 3.1 Title` "3.1", `### D14. Title` "D14"."""
    found = set(re.findall(r"^#{2,4} (\d+(?:\.\d+)*)\.?\s", text, flags=re.MULTILINE))
    found.update(re.findall(r"^#{2,4} (D\d+)\.\s", text, flags=re.MULTILINE))
    return found


def problems_in(name: str, text: str, root: Path) -> list[str]:
    """What is wrong with one file's citations: outside documents named, or in-repo citations that do not resolve."""
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, why in FORBIDDEN:
            if pattern.search(line):
                problems.append(f"{name}:{number}: {why}: {line.strip()[:100]}")

    headings: dict[str, set[str] | None] = {}

    def headings_of(doc: str) -> set[str] | None:
        if doc not in headings:
            path = root / "docs" / f"{doc}.md"
            headings[doc] = numbered_headings(path.read_text(encoding="utf-8")) if path.is_file() else None
        return headings[doc]

    def line_of(offset: int) -> int:
        return text.count("\n", 0, offset) + 1

    for match in SECTION_CITATION.finditer(text):
        known = headings_of(match["doc"])
        if known is None:
            problems.append(f"{name}:{line_of(match.start())}: cites docs/{match['doc']}.md, which does not exist")
            continue
        for section in SECTION.findall(match["sections"]):
            if section not in known:
                where = f"{name}:{line_of(match.start())}"
                problems.append(f"{where}: docs/{match['doc']}.md has no heading `## {section}.`")
    for match in DECISION_CITATION.finditer(text):
        known = headings_of("decisions")
        if known is not None and f"D{match['number']}" not in known:
            problems.append(f"{name}:{line_of(match.start())}: docs/decisions.md has no D{match['number']}")

    # Inside a numbered doc, a bare `§N` is a cross-reference to the same doc.
    own = headings_of(Path(name).stem) if name.startswith("docs/") and name.endswith(".md") else None
    if own:
        rest = SECTION_CITATION.sub("", text)
        for section in SECTION.findall(rest):
            if section not in own:
                problems.append(f"{name}: refers to its own §{section}, which has no heading")
    return problems


def scan(root: Path, names: list[str]) -> list[str]:
    problems: list[str] = []
    for name in names:
        problems.extend(problems_in(name, (root / name).read_text(encoding="utf-8", errors="replace"), root))
    return problems


def test_no_citation_leaves_the_repository() -> None:
    names = repository_files(REPO_ROOT)
    assert "docs/product-contract.md" in names
    assert "docs/midtrans-behaviour.md" in names
    problems = scan(REPO_ROOT, names)
    assert not problems, "\n".join(problems)


def test_the_contract_docs_are_numbered() -> None:
    for doc in ("product-contract", "midtrans-behaviour"):
        sections = numbered_headings((REPO_ROOT / "docs" / f"{doc}.md").read_text(encoding="utf-8"))
        top = sorted(int(section) for section in sections if section.isdigit())
        assert top == list(range(1, len(top) + 1)), f"docs/{doc}.md: sections must be numbered 1..N, got {top}"


def test_the_scanner_catches_what_it_must(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "product-contract.md").write_text("# Contract\n\n## 1. One\n\n## 2. Two\n\nSee §2.\n", encoding="utf-8")
    (docs / "decisions.md").write_text("# Decisions\n\n### D1. First\n", encoding="utf-8")
    files = {  # this file itself is not scanned, so the bad examples can be written out plainly
        "good.py": "# docs/product-contract.md §1, §2 and docs/decisions.md D1. BRIEF_COPY = {}\n",
        "brief.py": "# The deadline (BRIEF §2.2).\n",
        "reference.py": "x = 1  # reference §8\n",
        "outside.md": "Read `/work/shared/reference/api.md` or ../shared/BRIEF.md.\n",
        "missing_section.py": "# docs/product-contract.md §3\n",
        "missing_range_end.py": "# docs/product-contract.md §1-§4\n",
        "missing_doc.yaml": "# docs/nowhere.md §1\n",
        "missing_decision.md": "See `docs/decisions.md` D7.\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")

    names = ["docs/decisions.md", "docs/product-contract.md", *files]
    problems = scan(tmp_path, names)
    flagged = {problem.split(":", 1)[0] for problem in problems}
    assert flagged == set(files) - {"good.py"}, "\n".join(problems)
    assert len([p for p in problems if p.startswith("outside.md")]) >= 3  # both paths and the brief's name

    (docs / "product-contract.md").write_text("# Contract\n\n## 1. One\n\nSee §5.\n", encoding="utf-8")
    assert any("its own §5" in problem for problem in scan(tmp_path, ["docs/product-contract.md"]))
