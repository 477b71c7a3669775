"""The content owner's tools, run for real: `flask check`, `flask evaluate`, and start-up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import QUESTIONS, ROOT, dump_answers, write_yaml
from tests.test_loader import BASE, line_of, tweak

FLASK = str(Path(sys.executable).with_name("flask"))
LINE_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>(DEF|ANS)\d{3}) \S")


def flask(*args, env=None, timeout=60):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SCREENER_")}
    full_env.update(env or {})
    return subprocess.run(
        [FLASK, "--app", "screener", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def dana():
    text = QUESTIONS.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return next(e["answers"] for e in data["examples"] if e["name"].startswith("P01"))


# -- check ---------------------------------------------------------------------------------------
def test_check_passes_on_the_shipped_questions():
    result = flask("check", str(QUESTIONS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "coverage: outcomes 6/6" in result.stdout  # support_first_young (issue 13)
    assert "OK: 0 error(s)" in result.stdout
    assert "Traceback" not in result.stderr


def test_check_defaults_to_the_shipped_questions():
    result = flask("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_fails_with_file_line_col_code(tmp_path):
    text = tweak("type: multiple", "type: multi")
    path = write_yaml(tmp_path, text)
    result = flask("check", str(path))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    match = LINE_RE.match(first)
    assert match, first
    assert (match["path"], int(match["line"]), match["code"]) == (
        str(path),
        line_of(text, "type: multi"),
        "DEF008",
    )
    assert "FAILED: 1 error(s)" in result.stdout


def test_check_reports_example_mismatches(tmp_path):
    text = tweak("scores: {mood: 2}", "scores: {mood: 3}")
    result = flask("check", str(write_yaml(tmp_path, text)))
    assert result.returncode == 1
    assert f":{line_of(text, '- name: E1 adult')}:" in result.stdout
    assert "DEF052" in result.stdout


def test_check_exits_0_with_only_warnings(tmp_path):
    text = tweak("message: Book a call.", "message: You are eligible.")
    result = flask("check", str(write_yaml(tmp_path, text)))
    assert result.returncode == 0, result.stdout
    assert "DEF042 warning:" in result.stdout and "1 warning(s)" in result.stdout


def test_check_on_a_missing_file(tmp_path):
    result = flask("check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "DEF001" in result.stdout and "Traceback" not in result.stderr


# -- evaluate ------------------------------------------------------------------------------------
def test_evaluate_prints_json(tmp_path, dana):
    result = flask("evaluate", str(dump_answers(tmp_path, dana)))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"outcome", "flags", "scores", "visible", "interrupt"}
    assert data["outcome"] == "consult_recommended"
    assert "trd_pattern" in data["flags"]
    assert data["scores"]["phq9"] == {"value": 17, "band": "moderately severe"}
    assert all(set(s) == {"value", "band"} for s in data["scores"].values())
    assert "age" in data["visible"] and data["interrupt"] == []


def test_evaluate_with_another_questions_file(tmp_path):
    questions = write_yaml(tmp_path, BASE)
    answers = dump_answers(tmp_path, {"age": 40, "si_now": "yes"})
    result = flask("evaluate", str(answers), "--questions", str(questions))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["outcome"], data["flags"], data["interrupt"]) == (
        "support_first",
        ["safety"],
        ["safety"],
    )


def test_evaluate_discards_hidden_answers(tmp_path, dana):
    answers = {**dana, "bp_reading_known": "no", "bp_systolic": 190, "bp_diastolic": 999}
    result = flask("evaluate", str(dump_answers(tmp_path, answers)))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "bp_very_high" not in data["flags"] and "bp_systolic" not in data["visible"]


def error_lines(result) -> list[re.Match]:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    matches = [LINE_RE.match(line) for line in lines]
    assert all(matches), result.stderr
    return matches


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("shoe_size", 9, "ANS001"),
        ("phq9_1", 7, "ANS002"),
        ("age", 500, "ANS003"),
        ("age", "forty", "ANS004"),
        ("med_trials_not_helped", 9, "ANS005"),
    ],
)
def test_evaluate_rejects_a_bad_answer_with_its_line(tmp_path, dana, key, value, code):
    answers = {**dana, key: value}
    path = dump_answers(tmp_path, answers)
    result = flask("evaluate", str(path))
    assert result.returncode == 1
    assert result.stdout == "" and "Traceback" not in result.stderr
    [match] = error_lines(result)
    assert match["code"] == code and match["path"] == str(path)
    assert int(match["line"]) == line_of(path.read_text(), f"{key}:")
    assert f"'{key}'" in match.string


def test_evaluate_reports_every_problem_once(tmp_path, dana):
    answers = {**dana, "shoe_size": 9, "phq9_1": 7, "bp_systolic": 9999}
    result = flask("evaluate", str(dump_answers(tmp_path, answers)))
    assert result.returncode == 1
    assert sorted(m["code"] for m in error_lines(result)) == ["ANS001", "ANS002", "ANS003"]


def test_evaluate_bad_age_hides_the_rest(tmp_path, dana):
    """An invalid age counts as unanswered, so later pages (and their errors) do not apply."""
    answers = {**dana, "age": 500, "phq9_1": 7}
    result = flask("evaluate", str(dump_answers(tmp_path, answers)))
    assert [m["code"] for m in error_lines(result)] == ["ANS003"]


def test_evaluate_rejects_unquoted_yes(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("age: 40\nsi_wish_dead: no\n")
    result = flask("evaluate", str(path))
    assert result.returncode == 1
    [match] = error_lines(result)
    assert (match["code"], int(match["line"])) == ("DEF007", 2)


def test_evaluate_rejects_an_answers_file_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("- age\n")
    result = flask("evaluate", str(path))
    assert result.returncode == 1
    assert "DEF004" in result.stderr and "Traceback" not in result.stderr


# -- start-up ------------------------------------------------------------------------------------
BAD = tweak("level: review", "level: reviw")


def test_create_app_refuses_a_bad_questions_file(tmp_path):
    from screener import create_app
    from screener.questionnaire import DefinitionError

    bad = write_yaml(tmp_path, BAD)
    with pytest.raises(SystemExit) as info:
        create_app(
            {
                "QUESTIONS": str(bad),
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "SECRET_KEY": "x" * 40,
                "DATA_KEY": "",
            }
        )
    assert isinstance(info.value, DefinitionError)
    message = str(info.value.code)
    assert f"{bad}:{line_of(BAD, 'level: reviw')}:" in message and "DEF024" in message


def test_flask_run_refuses_a_bad_questions_file(tmp_path):
    bad = write_yaml(tmp_path, BAD)
    result = flask("run", "--port", "0", env={"SCREENER_QUESTIONS": str(bad)}, timeout=30)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert f"{bad}:{line_of(BAD, 'level: reviw')}:" in output and "DEF024" in output


def test_gunicorn_refuses_a_bad_questions_file_once_in_the_master(tmp_path):
    """Without the master's check every worker fails to boot and is restarted, forever."""
    bad = write_yaml(tmp_path, BAD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCREENER_", "GUNICORN_"))}
    env.update(
        SCREENER_QUESTIONS=str(bad),
        SCREENER_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND="127.0.0.1:0",
        GUNICORN_WORKERS="3",
    )
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    # the timeout only ends a run that loops; a correct run exits at once
    result = subprocess.run(
        gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr[-2000:]
    check = flask("check", str(bad))
    problems = [line for line in check.stdout.splitlines() if LINE_RE.match(line)]
    assert problems and all(line in result.stderr.splitlines() for line in problems)
    assert "The questionnaire has errors; the app will not start." in result.stderr
    assert "Booting worker" not in result.stderr and "Traceback" not in result.stderr
