from posturelab.errors import InputError, Problem


def test_help_lists_commands(run_cli):
    result = run_cli("--help")
    assert result.code == 0
    assert "fit" in result.out


def test_problem_is_located():
    problem = Problem("a.yaml", 3, 7, "forces.0.count", "must be >= 0, got -1")
    assert str(problem) == "a.yaml:3:7: forces.0.count: must be >= 0, got -1"
    err = InputError([problem, Problem("a.yaml", None, None, "", "empty file")])
    assert "a.yaml: empty file" in str(err)
