"""The package's shape stays the shape of its pipeline: imports point one way
(cli → views → run → engines; run → stages, dedup, io → document and shared helpers), every
module sits in a known part, modules and folders stay small enough to read,
and the public API is where the docs say it is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cleaner"

# Each part of the package (a folder, or a module at the top) and its layer.
# A part may import parts of lower layers, and of its own layer only where
# ALLOWED_PEERS says so.
LAYERS = {
    "document": 0, "tokens": 0, "memory": 0, "_native": 0,
    "encoding": 1, "extract": 1, "chrome": 1, "language": 1, "dedup": 1, "io": 1,
    "engines": 2,
    "run": 3,
    "views": 4,
    "cli": 5,
}
ALLOWED_PEERS = {
    ("tokens", "_native"),  # the kernel computes the line keys
    ("extract", "chrome"),  # extraction reads the chrome lexicon and date lines
}
# Modules over ~400 lines, each with its reason.
LONG_MODULES = {
    "_native/_segment.c": "one C file per extension module: the page walk and its buffers",
    "_native/_fingerprint.c": "one C file per extension module: tokens, line keys and MinHash in one pass",
    "extract/fastxpath.py": "a small compiler (tokens, parser, code writer, the swap) read as one",
}
MAX_LINES = 400
MAX_MODULES_PER_FOLDER = 10


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every cleaner module or package `path` imports, at the top or inside a
    function (lazy imports count: they run too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "cleaner")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "cleaner":
                continue
            if node.module is None or target == "cleaner":  # from . import x: x may be a module
                for alias in node.names:
                    inner = PACKAGE.parent / f"{target}.{alias.name}".replace(".", "/")
                    is_module = inner.with_suffix(".py").exists() or inner.is_dir()
                    found.add(f"{target}.{alias.name}" if is_module else target)
            else:
                found.add(target)
    return found


def part_of(module: str) -> str | None:
    """The part a module belongs to; None for the package itself (the public
    face, which hands on the API lazily)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def violations(edges: list[tuple[str, str]]) -> list[str]:
    """The imports (importer module, imported module) against the layers."""
    found = []
    for importer, imported in edges:
        source, target = part_of(importer), part_of(imported)
        if source is None or source == target:
            continue
        if target is None:
            if source != "cli":  # cli reads __version__; nothing else needs the face
                found.append(f"{importer} imports the package face {imported}")
            continue
        if source not in LAYERS or target not in LAYERS:
            found.append(f"{importer} -> {imported}: a part with no layer (add it to LAYERS)")
        elif LAYERS[target] > LAYERS[source] or (
                LAYERS[target] == LAYERS[source] and (source, target) not in ALLOWED_PEERS):
            found.append(f"{importer} imports {imported} ({source} may not depend on {target})")
    return found


def package_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_imports_point_one_way() -> None:
    edges = [(module_name(path), target) for path in package_modules() for target in imports_of(path)]
    assert len(edges) > 100  # the walk found the package's imports
    assert violations(edges) == []


def test_the_check_catches_an_import_against_the_direction() -> None:
    assert violations([("cleaner.chrome.sites", "cleaner.run.pipeline")])
    assert violations([("cleaner.dedup.index", "cleaner.chrome.lines")])
    assert violations([("cleaner.io.readers", "cleaner.extract.html")])
    assert violations([("cleaner.views.summary", "cleaner.cli.common")])
    assert violations([("cleaner.newthing", "cleaner.document")])
    assert not violations([("cleaner.extract.html", "cleaner.chrome.lexicon"),
                           ("cleaner.run.stages", "cleaner.extract"), ("cleaner.cli", "cleaner")])


def test_lazy_imports_are_read_too(tmp_path: Path) -> None:
    path = PACKAGE / "views" / "summary.py"
    assert "cleaner.run.stats" in imports_of(path)
    lazy = [target for target in imports_of(PACKAGE / "cli" / "clean.py") if target.startswith("cleaner.run")]
    assert lazy, "cli/clean.py imports the pipeline inside the command"


def test_every_module_sits_in_a_known_part() -> None:
    for path in package_modules():
        part = part_of(module_name(path))
        assert part is None or part in LAYERS, f"{path}: add its part to LAYERS (and to docs/how-it-works.md)"


def test_every_folder_says_what_lives_there_and_what_it_may_import() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 80, f"{init}: a docstring saying what lives there"
        assert "import" in doc.lower(), f"{init}: say what it may import"


def test_modules_and_folders_stay_small() -> None:
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".c", ".h") and "__pycache__" not in path.parts:
            relative = path.relative_to(PACKAGE).as_posix()
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if relative not in LONG_MODULES:
                assert lines <= MAX_LINES, f"{relative}: {lines} lines; split it or give the reason in LONG_MODULES"
    for folder in [PACKAGE, *sorted(p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")]:
        modules = [p for p in folder.iterdir() if p.suffix in (".py", ".c") and p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES_PER_FOLDER, f"{folder}: {len(modules)} modules"


@pytest.mark.parametrize("statement", [
    "from cleaner import clean, Document, Options, process_document, process_batch, CleanRun",
    "from cleaner.chrome import clean_text",
    "from cleaner.dedup import shingles, signature, to_datasketch, estimated_jaccard, tokens",
    "from cleaner.encoding import decode",
    "from cleaner.extract import extract_html, is_html",
])
def test_the_public_api_is_where_the_docs_say(statement: str) -> None:
    exec(statement, {})


def test_the_public_api_works_from_there() -> None:
    import cleaner
    import cleaner.chrome
    import cleaner.dedup

    assert cleaner.chrome.clean_text("Home | News | Sport\nThe council met on Tuesday to vote.\n").text
    sig = cleaner.dedup.signature("the council met on tuesday to vote on the new bus line")
    assert cleaner.dedup.to_datasketch(sig).jaccard(cleaner.dedup.to_datasketch(sig)) == 1.0
    assert cleaner.dedup.shingles("one two three four", 3)
    doc = cleaner.process_document(cleaner.Document(id="a", source="m", raw=b"Some words of text here."),
                                   cleaner.Options())
    assert doc.ok and doc.text
