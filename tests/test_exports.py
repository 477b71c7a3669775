"""Exports for other systems: the FHIR Bundle from the submission page, `flask export-fhir`
(NDJSON), CSV columns with the code and the label of every choice answer, and the REDCap
data dictionary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from screener.interop import REDCAP_HEADER, data_dictionary, data_dictionary_csv
from screener.store import utcnow
from tests.staff_helpers import (
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
    submit_answers,
)
from tests.test_fhir import assert_valid


@pytest.fixture
def staff(app, client):
    make_therapist(app)
    login(client)
    return client


# -- FHIR from the submission page ------------------------------------------------------------
def test_staff_download_the_bundle_from_the_submission_page(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    page = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    assert f'href="/staff/s/{reference}/fhir.json"' in page
    assert "Download for a records system (FHIR JSON)" in page
    response = staff.get(f"/staff/s/{reference}/fhir.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="kap-prescreen-{reference}.fhir.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    bundle = json.loads(response.get_data(as_text=True))
    assert_valid(bundle)
    assert bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["identifier"]["value"] == reference
    entry = audit_rows(app, "fhir_download")[-1]
    assert (entry.actor, entry.reference, entry.detail) == ("therapist@example.com", reference, "")
    assert staff.get("/staff/s/KAP-NONE-0000/fhir.json").status_code == 404


def test_export_fhir_writes_ndjson_of_bundles_since_a_date_and_is_audited(
    app, runner, personas, tmp_path
):
    old = submit_answers(app, personas["P05"].answers, created_at=utcnow() - dt.timedelta(days=9))
    new = [submit_answers(app, personas[p].answers) for p in ("P01", "P08", "P12")]
    since = (utcnow() - dt.timedelta(days=2)).date().isoformat()
    out = tmp_path / "export.ndjson"
    result = runner.invoke(args=["export-fhir", "--since", since, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "export-fhir: 3 submission(s) since" in result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    bundles = [json.loads(line) for line in lines]
    assert [b["identifier"]["value"] for b in bundles] == new
    for bundle in bundles:
        assert_valid(bundle)
    assert old not in out.read_text()
    entry = audit_rows(app, "fhir_export")[-1]
    assert entry.actor == "cli" and entry.detail.startswith("3 bundles since ")
    to_stdout = runner.invoke(args=["export-fhir", "--since", "2000-01-01"])
    assert to_stdout.exit_code == 0
    assert len([line for line in to_stdout.stdout.splitlines() if line.startswith("{")]) == 4
    bad = runner.invoke(args=["export-fhir", "--since", "last tuesday"])
    assert bad.exit_code == 2 and "give a date like 2026-12-01" in bad.output
    assert len(audit_rows(app, "fhir_export")) == 2


# -- CSV: code and label ------------------------------------------------------------------------
def read_csv(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_csv_has_the_code_and_the_label_of_every_choice_answer(app, staff, personas):
    q = app.extensions["screener"].questionnaire
    submit_answers(app, personas["P01"].answers)
    row = read_csv(post(staff, "/staff/export.csv"))[0]
    choices = [question.id for question in q.questions.values() if question.is_choice]
    for qid in choices:
        assert qid in row and f"{qid}_label" in row
    assert (row["phq9_1"], row["phq9_1_label"]) == ("2", "More than half the days")
    assert (row["main_concerns"], row["main_concerns_label"]) == (
        "long_term_depression; hopelessness",
        "Long-term depression; Feeling hopeless",
    )
    assert (row["in_colorado"], row["in_colorado_label"]) == ("yes", "Yes")
    # hidden questions stay empty: P01 has no thoughts of suicide, so no follow-up was shown
    assert (row["si_method"], row["si_method_label"]) == ("", "")
    assert "med_list" not in row  # free text only with the private option


def test_labels_are_neutralised_for_spreadsheets_too(app, staff, tmp_path, personas):
    from screener.store.export import choice_cells

    q = app.extensions["screener"].questionnaire
    question = q.questions["phq9_1"]
    evil = type(question.options[0])(value=0, label="=HYPERLINK(1)")
    forged = type(question)(
        id="phq9_1",
        type="single",
        label="x",
        page_id=question.page_id,
        section_id=question.section_id,
        options=(evil,),
    )
    assert choice_cells(forged, {"phq9_1": 0}) == ["0", "=HYPERLINK(1)"]
    from screener.store.export import build_csv

    body, _ = build_csv([["a", "b"], choice_cells(forged, {"phq9_1": 0})])
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body


# -- REDCap data dictionary -----------------------------------------------------------------------
def test_the_data_dictionary_covers_every_question(questionnaire):
    rows = data_dictionary(questionnaire)
    assert list(rows[0]) == list(REDCAP_HEADER)
    assert rows[0]["Variable / Field Name"] == "reference"
    variables = [row["Variable / Field Name"] for row in rows[1:]]
    assert variables == list(questionnaire.questions)
    for row in rows[1:]:
        question = questionnaire.questions[row["Variable / Field Name"]]
        assert row["Form Name"] == question.section_id
        assert row["Field Label"] == question.label
        if question.is_choice:
            codes = [part.split(",", 1)[0].strip() for part in row[REDCAP_HEADER[5]].split(" | ")]
            assert codes == [str(option.value) for option in question.options]
        # every show_if in questions.yaml can be written in REDCap's syntax
        assert row["Field Annotation"] == ""


def test_the_data_dictionary_writes_types_validation_and_branching(questionnaire):
    rows = {row["Variable / Field Name"]: row for row in data_dictionary(questionnaire)}
    logic = "Branching Logic (Show field only if...)"
    assert rows["age"]["Field Type"] == "text"
    assert rows["age"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert (rows["age"]["Text Validation Min"], rows["age"]["Text Validation Max"]) == ("10", "120")
    assert rows["age"][logic] == ""
    assert rows["phq9_1"]["Field Type"] == "radio" and rows["phq9_1"][logic] == "[age] >= 18"
    assert rows["phq9_1"]["Section Header"] == "Your mood over the last 2 weeks"
    assert rows["phq9_2"]["Section Header"] == ""
    assert rows["main_concerns"]["Field Type"] == "checkbox"
    assert rows["si_method"][logic] == "[si_thoughts] = 'yes'"
    assert rows["pcptsd5_1"][logic] == "([age] >= 18) and ([trauma_exposure] = 'yes')"
    assert rows["si_now"][logic] == (
        "([si_wish_dead] = 'yes') or ([si_thoughts] = 'yes') or ([phq9_9] >= 1)"
    )
    assert rows["therapy_helped"][logic] == (
        "([age] >= 18) and ([therapy_history] = 'under_3_months' or "
        "[therapy_history] = '3_to_12_months' or [therapy_history] = 'over_12_months')"
    )
    assert rows["si_wish_dead"]["Required Field?"] == "y"


def test_checkbox_and_unwritable_conditions(questionnaire):
    from screener.interop.redcap import branching
    from screener.questionnaire import Condition

    ticked = Condition("q", ref="therapy_types", op="includes_any", value=("cbt", "dbt"))
    assert branching(questionnaire, [ticked]) == (
        "[therapy_types(cbt)] = '1' or [therapy_types(dbt)] = '1'",
        "",
    )
    negated = Condition("not", children=(Condition("q", ref="age", op="at_least", value=18),))
    logic, note = branching(questionnaire, [negated])
    assert logic == "" and note.startswith("Shown only if ") and "REDCap" in note


def test_the_data_dictionary_command_and_its_csv(questionnaire, tmp_path):
    from click.testing import CliRunner

    from screener.cli.interop import data_dictionary_command

    out = tmp_path / "dictionary.csv"
    result = CliRunner().invoke(data_dictionary_command, ["-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    assert text == data_dictionary_csv(questionnaire)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == REDCAP_HEADER
    assert len(rows) == 1 + 1 + len(questionnaire.questions)
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


class Field:
    """A REDCap field's value as its branching logic sees it: text, compared as a number
    against a number; a blank field is never equal, more or less than anything."""

    def __init__(self, value):
        self.text = "" if value is None else str(value)

    def _number(self):
        try:
            return float(self.text)
        except ValueError:
            return None

    def _compare(self, other, test):
        if self.text == "":
            return False
        if isinstance(other, int | float):
            number = self._number()
            return number is not None and test(number, other)
        return test(self.text, other)

    def __eq__(self, other):
        return self.text == other if other == "" else self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self.text != other if other == "" else self._compare(other, lambda a, b: a != b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    __hash__ = None


def redcap_shows(logic: str, record: dict) -> bool:
    """Evaluate REDCap branching logic (the subset the dictionary writes) on one record."""
    if not logic:
        return True
    python = re.sub(r"\[(\w+)\((\w+)\)\]", r'ticked("\1", "\2")', logic)
    python = re.sub(r"\[(\w+)\]", r'field("\1")', python)
    python = python.replace(" <> ", " != ").replace(" = ", " == ")

    def ticked(name, code):
        value = record.get(name)
        return "1" if isinstance(value, list) and code in [str(v) for v in value] else "0"

    def field(name):
        return Field(record.get(name))

    scope = {"__builtins__": {}, "ticked": ticked, "field": field}
    return bool(eval(python, scope))  # noqa: S307 - our own dictionary's logic, in a test


def test_redcap_branching_shows_exactly_what_the_engine_shows_for_every_example(questionnaire):
    from screener.questionnaire import evaluate

    rows = data_dictionary(questionnaire)[1:]
    logic = "Branching Logic (Show field only if...)"
    for example in questionnaire.examples:
        evaluation = evaluate(questionnaire, example.answers)
        record = evaluation.answers  # what a REDCap import of the export would hold
        shown = [row["Variable / Field Name"] for row in rows if redcap_shows(row[logic], record)]
        assert shown == list(evaluation.visible_questions), example.name
