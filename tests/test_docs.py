"""The documentation site: it builds offline with warnings as errors, the theory page keeps the
section numbers that docstrings and tests cite, and the API pages document every public name.

Needs the ``docs`` extra (sphinx, numpydoc, myst-nb); skipped without it.
"""
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
THEORY = DOCS / "theory.md"
PUBLIC_MODULES = ("ensembles", "spectral", "cPSE", "theory", "parallel", "periodic")
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))

#: The section numbers of the theory page (cited by number from docstrings and tests).
THEORY_SECTIONS = {
    "1", "1.1", "1.2", "1.3", "1.4", "2", "3", "3.1", "3.2", "3.3", "3.4", "3.5",
    "4", "4.1", "4.2", "4.3", "5", "5.1", "5.2", "5.3", "6", "7", "7.1", "7.2", "7.3", "7.4", "7.5",
    "8", "8.1", "8.2", "8.3", "8.4", "9", "9.1", "10",
}

_NUMBER = r"\d+(?:\.\d+)?"
#: A citation of the theory page: "theory.md 4.1", "theory.md §3.1", "``theory.md`` section 5.2",
#: "theory.md 5.2-5.3", "theory.md sections 3.1 and 3.3", or a bare "§4.1".
CITATION = re.compile(
    rf"(?:theory\.md`*\s*,?\s*(?:§§?|sections?\s)?\s*|§§?\s*)"
    rf"({_NUMBER}(?:\s*(?:-|–|,|and|&)\s*§?{_NUMBER})*)"
)


def theory_section_numbers(text):
    """Numbers of the numbered headings ("## 3. ...", "### 3.1 ...") of the theory page."""
    return set(re.findall(rf"^#{{2,3}}\s+({_NUMBER})\.?\s", text, flags=re.MULTILINE))


def cited_sections(text):
    """Every section number cited in ``text`` (both ends of a range)."""
    return {number for group in CITATION.findall(text) for number in re.findall(_NUMBER, group)}


def public_names(module):
    """``__all__``, or, for a module without it, the functions and classes it defines."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [name for name, obj in vars(module).items()
            if not name.startswith("_") and (inspect.isclass(obj) or inspect.isroutine(obj))
            and getattr(obj, "__module__", None) == module.__name__]


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    """Build the site once, as the documentation says: offline, warnings as errors."""
    for extra in ("sphinx", "numpydoc", "myst_nb"):
        pytest.importorskip(extra)
    out = tmp_path_factory.mktemp("docs") / "html"
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert build.returncode == 0, f"sphinx failed:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    return out


def test_theory_page_has_the_cited_numbering():
    assert theory_section_numbers(THEORY.read_text(encoding="utf-8")) == THEORY_SECTIONS


def test_every_cited_section_exists():
    """Docstrings and tests cite the theory page by number; each cited number is a section."""
    sections = theory_section_numbers(THEORY.read_text(encoding="utf-8"))
    tests = (p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name)
    files = sorted((ROOT / "bristol").rglob("*.py")) + sorted(tests)
    cited = {}
    for path in files:
        for number in cited_sections(path.read_text(encoding="utf-8")):
            cited.setdefault(number, []).append(str(path.relative_to(ROOT)))
    assert cited, "no citation of the theory page found: has the citation style changed?"
    missing = {number: where for number, where in cited.items() if number not in sections}
    assert not missing, f"cited sections that docs/theory.md lacks: {missing}"


def test_citation_pattern():
    assert cited_sections("Normalisation (theory.md 4.1): every") == {"4.1"}
    assert cited_sections("see ``docs/theory.md`` §3.1 and theory.md 5.2-5.3") == {"3.1", "5.2", "5.3"}
    assert cited_sections("(theory.md sections 3.3 and 3.4)") == {"3.3", "3.4"}
    assert cited_sections("a bare §6 and theory.md section 1.2.") == {"6", "1.2"}
    assert cited_sections("docs/theory.md has it; version 0.2.14") == set()


def test_no_pointer_outside_the_project():
    """The docs stand on their own: no path or word pointing to material outside the repository."""
    sources = [p for p in DOCS.rglob("*") if p.suffix in (".md", ".rst", ".py") and "notebooks" not in p.parts
               and "_build" not in p.parts]
    assert THEORY in sources
    for path in sources:
        text = path.read_text(encoding="utf-8").lower()
        assert not re.search(r"\bshared\b|reference/theory|\.\./\.\.", text), path


def test_site_builds_with_theory_api_and_notebooks(html):
    theory = (html / "theory.html").read_text(encoding="utf-8")
    assert "Killip" in theory and not re.search(r"\bshared\b", theory.lower())
    for section in THEORY_SECTIONS:
        assert f'id="theory-{section.replace(".", "-")}"' in theory, section
    for name in NOTEBOOKS:
        assert (html / "notebooks" / f"{name}.html").stat().st_size > 5000, name
    for page in ("differences", "notebooks", "guide/ensembles", "guide/spectra", "guide/cpse",
                 "guide/cli", "guide/parallel", "guide/gpu", "guide/safety"):
        assert (html / f"{page}.html").is_file(), page


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_api_page_lists_every_public_name(html, name):
    module = importlib.import_module(f"bristol.{name}")
    page = (html / "api" / f"{name}.html").read_text(encoding="utf-8")
    names = public_names(module)
    assert names
    missing = [n for n in names if f'id="bristol.{name}.{n}"' not in page]
    assert not missing, f"bristol.{name}: not on its API page: {missing}"
