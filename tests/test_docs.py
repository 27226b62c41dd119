import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_language_example_is_the_example_file(tmp_path, run_cli):
    doc = (ROOT / "docs" / "scenario-language.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    example = (ROOT / "examples" / "border-dispute.yaml").read_text()
    assert example in blocks
    path = tmp_path / "from-doc.yaml"
    path.write_text(example)
    assert run_cli("validate", str(path)).code == 0
    result = run_cli("run", str(path), "--members", "30", "--out", str(tmp_path / "r"), "--json")
    assert result.code == 0, result.err
    assert "p_red_attack" in json.loads(result.out)["indicators"]


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_indicators_page_lists_every_declared_template():
    from posturelab.engine.indicators import scenario_indicators
    from posturelab.scenario.loader import builtin_ids, load_scenario

    doc = (ROOT / "docs" / "indicators.md").read_text()
    for source in [*builtin_ids(), str(ROOT / "examples" / "border-dispute.yaml")]:
        for indicator in scenario_indicators(load_scenario(source).scenario).values():
            assert f"`{indicator.template}`" in doc, indicator.template
