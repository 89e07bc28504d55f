"""Every bad input gives one clear message (file, line, element), exit status 2, no traceback."""
import subprocess
import sys
import textwrap

import pytest

from engine.cli import main

GOOD = """\
time: {start: 0, stop: 10, dt: 0.5}
stocks:
  level: {initial: 10, inflows: [inflow]}
flows:
  inflow: {equation: "rate * level"}
parameters:
  rate: {value: 0.1, range: [0, 1]}
"""


def run_cli(tmp_path, text, capsys, command="run"):
    p = tmp_path / "bad.yaml"
    p.write_text(textwrap.dedent(text))
    code = main([command, str(p), "-o", str(tmp_path / "out.h5")] if command == "run" else [command, str(p)])
    err = capsys.readouterr().err
    return code, err, str(p)


def expect(tmp_path, capsys, text, *fragments, line=None):
    code, err, path = run_cli(tmp_path, text, capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert path in err
    if line:
        assert f"{path}:{line}" in err
    for f in fragments:
        assert f in err, err
    return err


def test_good_model_runs(tmp_path, capsys):
    code, err, _ = run_cli(tmp_path, GOOD, capsys)
    assert code == 0, err


def test_yaml_syntax_error(tmp_path, capsys):
    expect(tmp_path, capsys, GOOD.replace("inflow: {equation", "inflow: {{equation"),
           "YAML syntax error")


def test_unknown_name(tmp_path, capsys):
    expect(tmp_path, capsys, GOOD.replace("rate * level", "rat * level"),
                 "unknown name 'rat'", "'inflow'", "did you mean 'rate'", line=5)


def test_equation_syntax_error(tmp_path, capsys):
    expect(tmp_path, capsys, GOOD.replace("rate * level", "rate * (level"), "syntax error", "'inflow'",
           line=5)


@pytest.mark.parametrize("equation,what", [
    ("level.__class__", "attribute access"),
    ("__import__(1)", "'__'"),
    ("lambda: 1", "lambda"),
    ("sum(x for x in level)", "comprehension"),
    ("open('x')", "strings"),
])
def test_forbidden_constructs(tmp_path, capsys, equation, what):
    text = GOOD.replace('"rate * level"', repr(equation).replace("\\'", "'"))
    expect(tmp_path, capsys, text, "forbidden construct", what, "'inflow'")


def test_a_subscript_on_a_scalar_is_named(tmp_path, capsys):
    text = GOOD.replace('"rate * level"', '"level[0]"')
    expect(tmp_path, capsys, text, "'level' is not arrayed; it takes no subscripts", "'inflow'")


def test_algebraic_loop(tmp_path, capsys):
    text = GOOD + "auxiliaries:\n  a: b + 1\n  b: a * 2\n"
    expect(tmp_path, capsys, text, "algebraic loop", "a -> b -> a")


def test_duplicate_key_in_a_section(tmp_path, capsys):
    text = GOOD + "  rate: {value: 0.2}\n"
    expect(tmp_path, capsys, text, "defined twice", "'rate'", line=8)


def test_duplicate_element_across_sections(tmp_path, capsys):
    text = GOOD + "auxiliaries:\n  rate: 3\n"
    expect(tmp_path, capsys, text, "defined twice", "'rate'")


def test_duplicate_element_across_modules(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("module: a\nparameters:\n  k: 1\n")
    (tmp_path / "b.yaml").write_text("module: b\nparameters:\n  k: 2\n")
    code, err, _ = run_cli(tmp_path, "modules: [a.yaml, b.yaml]\ntime: {start: 0, stop: 1, dt: 0.5}\n", capsys)
    assert code == 2 and "Traceback" not in err
    # the message names the second definition's file and line, and where the first one is
    assert f"{tmp_path / 'b.yaml'}:3" in err and f"{tmp_path / 'a.yaml'}:3" in err
    assert "'k' is defined in module 'b' and again in module 'a'" in err


@pytest.mark.parametrize("time,what", [
    ("{start: 0, stop: 10, dt: 0}", "dt must be positive"),
    ("{start: 0, stop: 10, dt: -1}", "dt must be positive"),
    ("{start: 10, stop: 10, dt: 1}", "must come after start"),
    ("{start: 10, stop: 5, dt: 1}", "must come after start"),
])
def test_bad_time_settings(tmp_path, capsys, time, what):
    expect(tmp_path, capsys, GOOD.replace("{start: 0, stop: 10, dt: 0.5}", time), what, line=1)


def test_parameter_outside_declared_range(tmp_path, capsys):
    expect(tmp_path, capsys, GOOD.replace("value: 0.1", "value: 1.5"), "outside its declared range",
           "'rate'")


def test_override_outside_declared_range(tmp_path, capsys):
    (tmp_path / "base.yaml").write_text(GOOD)
    expect(tmp_path, capsys, "extends: base.yaml\noverrides:\n  rate: 2\n", "outside the declared range",
           "'rate'", line=3)


def test_run_time_nan_names_element_and_time(tmp_path, capsys):
    text = GOOD + "auxiliaries:\n  ratio: {equation: \"1 / (5 - time)\"}\n"
    expect(tmp_path, capsys, text, "in 'ratio': value became infinite at time 5")


def test_run_time_nan_in_a_stock(tmp_path, capsys):
    text = GOOD.replace('"rate * level"', '"ln(4 - time) * level"')
    expect(tmp_path, capsys, text, "in 'inflow': value became infinite at time 4")


def test_unknown_function_and_arity(tmp_path, capsys):
    expect(tmp_path, capsys, GOOD.replace("rate * level", "frobnicate(level)"), "unknown function")
    expect(tmp_path, capsys, GOOD.replace("rate * level", "exp(level, 2)"), "EXP takes 1 arguments")


def test_missing_file(tmp_path, capsys):
    code = main(["run", str(tmp_path / "nope.yaml")])
    assert code == 2 and "file not found" in capsys.readouterr().err


def test_real_command_prints_no_traceback(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(GOOD.replace("rate * level", "rate * lvl"))
    proc = subprocess.run([sys.executable, "-m", "engine", "validate", str(p)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "unknown name 'lvl'" in proc.stderr


def test_delay_shorter_than_dt_warns(tmp_path, capsys):
    text = GOOD + "auxiliaries:\n  late: {equation: \"delay3(level, 0.9)\"}\n"
    code, err, path = run_cli(tmp_path, text, capsys)
    assert code == 0
    assert "warning" in err and f"{path}:9: in 'late': a DELAY3 stage lasts 0.3, less than dt=0.5" in err


def test_a_syntax_error_in_a_huge_equation_quotes_a_short_excerpt(tmp_path, capsys):
    """5,000 nested parentheses: the message quotes 80 characters around the column, not 10,000."""
    deep = "(" * 5000 + "1 +" + ")" * 5000
    err = expect(tmp_path, capsys, GOOD + f"auxiliaries:\n  deep: \"{deep}\"\n",
                 "syntax error in equation '...((((", "at column 81", line=9)
    assert len(err) < 400, len(err)
