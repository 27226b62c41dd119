"""The documentation site: `mkdocs build --strict` over docs/ and the API reference.

A broken relative link, a page left out of the navigation, an anchor that does not exist or a
docstring reference to an undocumented name is a warning, and `--strict` turns it into a failed
build.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_site_builds_strict_with_the_api_reference(tmp_path):
    result = _build(ROOT, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    reference = (tmp_path / "site" / "reference" / "index.html").read_text()
    # The NumPy sections render as sections, not as underlined text.
    assert "Parameters:" in reference and "Returns:" in reference
    assert "----------" not in reference
    # Every public name has its anchor, and the Sphinx roles became links.
    import posturelab

    for name in posturelab.__all__:
        if name == "__version__":
            continue
        module = getattr(posturelab, name).__module__
        assert f'id="{module}.{name}"' in reference, name
    for role in (":class:", ":func:", ":mod:", ":meth:", ":attr:"):
        assert role not in reference
    assert 'href="#posturelab.errors.InputError"' in reference
    assert (tmp_path / "site" / "index.html").exists()
    for page in ("api", "models/attrition", "scenarios/korea-1950"):
        assert (tmp_path / "site" / page / "index.html").exists(), page


def test_strict_build_fails_on_a_broken_link_and_a_broken_reference(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "src").symlink_to(ROOT / "src")
    index = project / "docs" / "index.md"
    index.write_text(index.read_text() + "\nSee [the missing page](missing.md).\n")
    (project / "docs" / "reference.md").write_text(
        "# API reference\n\n::: posturelab.errors\n\nSee [`nope`][posturelab.api.nope].\n"
    )
    result = _build(project, tmp_path / "site")
    assert result.returncode != 0
    assert "missing.md" in result.stderr
    assert "posturelab.api.nope" in result.stderr


def test_roles_become_links_that_must_resolve_inside_the_public_api():
    spec = importlib.util.spec_from_file_location(
        "sphinx_roles", ROOT / "docs/_ext/sphinx_roles.py"
    )
    assert spec is not None and spec.loader is not None
    roles = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(roles)
    import griffe

    package = griffe.load("posturelab", search_paths=[str(ROOT / "src")])
    ensemble = package["api.ensemble.Ensemble"]
    text = (
        "See :func:`open_run`, :class:`~posturelab.errors.InputError`, :attr:`summary`, "
        ":class:`~posturelab.scenario.loader.\n    LoadedScenario` and :math:`x^2`."
    )
    assert roles.rewrite(ensemble, text) == (
        "See [`open_run`][posturelab.api.ensemble.open_run], "
        "[`InputError`][posturelab.errors.InputError], "
        "[`summary`][posturelab.api.ensemble.Ensemble.summary], "
        '<autoref identifier="posturelab.scenario.loader.LoadedScenario" optional>'
        "<code>LoadedScenario</code></autoref> and `x^2`."
    )
