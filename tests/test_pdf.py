"""The summary PDF: content, hidden answers, Unicode, determinism, metadata, fonts, CLI."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from screener.pdf import MISSING, SummaryMeta, clean, render_summary, wrap_lines
from screener.questionnaire import evaluate

from .conftest import ROOT, dump_answers

CREATED = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)
META = SummaryMeta("KAP-7Q4M-2XRD", CREATED, "Dana Łukasiewicz")
PERSONAS = ("P01", "P05", "P08", "P12")


def norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def pages_text(pdf: bytes) -> list[str]:
    return [norm(page.extract_text()) for page in PdfReader(BytesIO(pdf)).pages]


def render(questionnaire, answers, meta=META):
    evaluation = evaluate(questionnaire, answers)
    assert not evaluation.errors, evaluation.errors
    return evaluation, render_summary(evaluation, questionnaire, meta)


@pytest.fixture(scope="module")
def rendered(questionnaire, personas):
    return {name: render(questionnaire, personas[name].answers) for name in PERSONAS}


@pytest.mark.parametrize("name", PERSONAS)
def test_summary_states_outcome_reasons_and_scores(name, rendered, personas):
    evaluation, pdf = rendered[name]
    text = " ".join(pages_text(pdf))
    assert evaluation.outcome.id == personas[name].expect["outcome"]
    assert norm(evaluation.outcome.title) in text
    for reason in evaluation.reasons:
        assert norm(reason.flag.client_text) in text
    for flag in evaluation.flags:
        if flag.flag.level == "review" and flag.flag.client_text:
            assert norm(flag.flag.client_text) in text
    for score_id, value in personas[name].expect.get("scores", {}).items():
        result = evaluation.scores[score_id]
        assert f"{result.score.label} screening score, not a diagnosis {value} of " in text
        assert norm(result.band) in text
    for result in evaluation.scores.values():
        if not result.applies:
            assert f"{result.score.label} screening score" not in text


@pytest.mark.parametrize("name", PERSONAS)
def test_disclaimer_and_crisis_footer_on_every_page(name, rendered, questionnaire):
    _, pdf = rendered[name]
    disclaimer = norm(questionnaire.meta.disclaimer)
    pages = pages_text(pdf)
    for number, page in enumerate(pages, start=1):
        assert questionnaire.meta.crisis_text in page, number
        assert disclaimer in page, number
        assert f"Page {number} of {len(pages)}" in page
        assert "not a diagnosis" in page


@pytest.mark.parametrize("name", PERSONAS)
def test_no_hidden_question_appears(name, rendered, questionnaire, personas):
    evaluation, pdf = rendered[name]
    text = " ".join(pages_text(pdf))
    visible = set(evaluation.visible_questions)
    shown_labels = {norm(questionnaire.questions[q].label) for q in visible}
    hidden = set(personas[name].expect.get("hidden", ())) | (set(personas[name].answers) - visible)
    for qid in hidden:
        label = norm(questionnaire.questions[qid].label)
        if label not in shown_labels:
            assert label not in text, qid
    for qid in visible:
        assert norm(questionnaire.questions[qid].label)[:40] in text


def test_hidden_free_text_never_printed(questionnaire, personas):
    answers = dict(personas["P12"].answers, med_list="SECRET-MEDICINE-LIST-7731")
    evaluation, pdf = render(questionnaire, answers)
    assert "med_list" not in evaluation.visible_questions
    assert "SECRET-MEDICINE" not in "".join(pages_text(pdf))


@pytest.mark.parametrize(
    "name,lowest,highest", [("P01", 3, 9), ("P05", 3, 9), ("P08", 3, 9), ("P12", 1, 3)]
)
def test_page_count_is_sensible(name, lowest, highest, rendered):
    assert lowest <= len(PdfReader(BytesIO(rendered[name][1])).pages) <= highest


def test_crisis_block_only_when_a_safety_flag_fired(rendered):
    heading = "please reach out now"
    assert heading in " ".join(pages_text(rendered["P08"][1]))
    assert heading in " ".join(pages_text(rendered["P12"][1]))  # passive ideation
    assert rendered["P01"][0].safety_flags == ()
    assert heading not in " ".join(pages_text(rendered["P01"][1]))


def test_stress_text_renders_and_is_extractable(questionnaire, personas):
    word = ("ŋ" + "abcdefghi") * 500  # 5,000 characters, no spaces
    meds = "Sertralina 50 mg – “dos veces” — café, niño, łódź, Erdős 🙂👍🏽 done"
    payload = "<script>alert('x')</script> & <b>not bold</b> &amp;"
    evaluation = evaluate(questionnaire, personas["P01"].answers)
    assert "med_list" in evaluation.visible_questions
    # Longer than med_list's max_length: the renderer must cope with whatever is stored.
    answers = dict(evaluation.answers, med_list=f"{word}\n{meds}\n{payload}")
    pdf = render_summary(dataclasses.replace(evaluation, answers=answers), questionnaire, META)
    text = " ".join(pages_text(pdf))
    assert text.count("ŋ") == 500
    assert "".join(text.split()).count("abcdefghi") >= 450  # a few cut at line ends
    assert "Sertralina 50 mg – “dos veces” — café, niño, łódź, Erdős" in text
    assert f"Erdős {MISSING} done" in text  # the emoji degrade visibly, once per run
    assert payload in text
    assert len(PdfReader(BytesIO(pdf)).pages) <= 12


def test_unknown_glyphs_and_controls_degrade_visibly():
    assert clean("a🙂b") == f"a{MISSING}b"
    assert clean("👨‍👩‍👧 x") == f"{MISSING} x"  # a joined emoji is one marker
    assert clean("a\x00b") == f"a{MISSING}b"
    assert clean("a\u00a0b\tc\r\nd") == "a b c\nd"
    assert clean("e\u0301") == "é"


def test_wrapped_lines_never_exceed_the_width():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = wrap_lines("x" * 5000 + " short words " + "Ш" * 300, 200, "KAPSans", 8.5)
    assert all(stringWidth(line, "KAPSans", 8.5) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == "x" * 5000 + "shortwords" + "Ш" * 300


def test_same_input_gives_identical_bytes(questionnaire, personas, rendered):
    _, again = render(questionnaire, personas["P01"].answers)
    assert again == rendered["P01"][1]


def test_identical_bytes_across_processes(questionnaire, personas):
    script = (
        "import hashlib, sys\n"
        "from datetime import datetime, UTC\n"
        "from screener.questionnaire import load_file\n"
        "from screener.questionnaire import evaluate\n"
        "from screener.pdf import SummaryMeta, render_summary\n"
        "q = load_file(sys.argv[1]).questionnaire\n"
        "ex = next(e for e in q.examples if e.name.startswith('P08'))\n"
        "meta = SummaryMeta('R-1', datetime(2026, 11, 28, 14, 30, tzinfo=UTC))\n"
        "print(hashlib.sha256(render_summary(evaluate(q, ex.answers), q, meta)).hexdigest())\n"
    )
    digests = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", script, str(ROOT / "questions.yaml")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        digests.add(out.stdout.strip())
    evaluation = evaluate(questionnaire, personas["P08"].answers)
    local = render_summary(
        evaluation, questionnaire, SummaryMeta("R-1", datetime(2026, 11, 28, 14, 30, tzinfo=UTC))
    )
    digests.add(hashlib.sha256(local).hexdigest())
    assert len(digests) == 1


def test_metadata(rendered, questionnaire):
    info = PdfReader(BytesIO(rendered["P01"][1])).metadata
    practice = questionnaire.meta.practice["name"]
    assert info.author == practice
    assert "not a diagnosis" in info.title and practice in info.title
    assert info.subject
    assert info["/CreationDate"].startswith("D:20261128143000")


def test_own_copy_says_not_sent(questionnaire, personas):
    _, pdf = render(questionnaire, personas["P01"].answers, SummaryMeta(None, CREATED))
    first = pages_text(pdf)[0]
    assert "Reference: not sent" in first
    assert "November 28, 2026" in first


def test_every_font_is_embedded(rendered, tmp_path):
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "p08.pdf"
    path.write_bytes(rendered["P08"][1])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows, out.stdout
    for row in rows:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), row
        assert "Helvetica" not in row


def test_cli_writes_a_pdf(tmp_path, personas):
    answers = dump_answers(tmp_path, dict(personas["P01"].answers))
    out = tmp_path / "out.pdf"
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/flask"),
            "--app",
            "screener",
            "pdf",
            str(answers),
            "-o",
            str(out),
            "--reference",
            "PREVIEW-1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert "Reference: PREVIEW-1" in pages_text(out.read_bytes())[0]


def test_cli_reports_bad_answers(tmp_path):
    answers = dump_answers(tmp_path, {"age": "forty", "no_such_question": 1})
    out = tmp_path / "out.pdf"
    result = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "screener", "pdf", str(answers), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "no_such_question" in result.stderr
    assert not out.exists()


def _preview(tmp_path, answers, *args, env=None):
    from click.testing import CliRunner

    from screener.cli.questionnaire import pdf_command

    out = tmp_path / f"preview-{len(list(tmp_path.iterdir()))}.pdf"
    result = CliRunner(env=env).invoke(pdf_command, [str(answers), "-o", str(out), *args])
    return result, out


def test_cli_preview_with_a_fixed_date_gives_identical_bytes(tmp_path, personas):
    answers = dump_answers(tmp_path, personas["P05"].answers)
    (first, a), (second, b) = (_preview(tmp_path, answers, "--date", "2026-12-01") for _ in "ab")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert a.read_bytes() == b.read_bytes()
    assert "Date: December 1, 2026" in pages_text(a.read_bytes())[0]


def test_cli_preview_honours_source_date_epoch(tmp_path, personas):
    answers = dump_answers(tmp_path, personas["P01"].answers)
    env = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 7, 4, 12, tzinfo=UTC).timestamp()))}
    (_, a), (_, b) = (_preview(tmp_path, answers, env=env) for _ in "ab")
    assert a.read_bytes() == b.read_bytes()
    assert "Date: July 4, 2026" in pages_text(a.read_bytes())[0]


def test_cli_preview_refuses_a_date_it_cannot_read(tmp_path, personas):
    answers = dump_answers(tmp_path, personas["P01"].answers)
    result, out = _preview(tmp_path, answers, "--date", "next tuesday")
    assert result.exit_code == 2
    assert "'next tuesday' is not a date" in result.output
    assert not out.exists()
