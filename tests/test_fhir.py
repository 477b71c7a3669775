"""FHIR R4 export: every resource from every public persona validates with the fhir.resources
R4B models and against HL7's official R4 JSON schema; the QuestionnaireResponse says exactly
what the staff summary says; enableWhen shows exactly the questions the engine shows."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from fhir.resources.R4B import get_fhir_model_class

from screener.interop import (
    LOINC,
    SubmissionInfo,
    bundle,
    canonical_for,
    map_condition,
    questionnaire_resource,
    response_display,
)
from screener.questionnaire import Condition, evaluate, load_file
from screener.web.staff import answer_rows
from tests.conftest import QUESTIONS

SCHEMA = Path(__file__).parent / "fhir" / "fhir.schema.json.gz"
PERSONAS = [f"P{n:02d}" for n in range(1, 13)]
WHEN = dt.datetime(2026, 12, 1, 16, 30, 5)


@cache
def schema_validator(resource_type: str):
    """The official schema, aimed at one resource type (its root is a oneOf of all 145)."""
    schema = json.loads(gzip.decompress(SCHEMA.read_bytes()))
    schema = {**schema, "oneOf": [{"$ref": f"#/definitions/{resource_type}"}]}
    schema.pop("discriminator", None)
    return jsonschema.Draft6Validator(schema)


def assert_valid(resource: dict) -> None:
    kind = resource["resourceType"]
    errors = sorted(schema_validator(kind).iter_errors(resource), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    model = get_fhir_model_class(kind).model_validate(resource)
    assert model.model_dump(mode="json", by_alias=True, exclude_none=True) == resource


def export(questionnaire, answers: dict, reference="KAP-TEST-0001"):
    evaluation = evaluate(questionnaire, answers)
    canonical = canonical_for(questionnaire)
    return evaluation, bundle(questionnaire, evaluation, canonical, SubmissionInfo(reference, WHEN))


def items(node: dict):
    for item in node.get("item", []):
        yield item
        yield from items(item)


# -- validation -------------------------------------------------------------------------------
def test_the_questionnaire_validates(questionnaire):
    resource = questionnaire_resource(questionnaire, canonical_for(questionnaire)).resource
    assert_valid(resource)
    assert resource["version"] == questionnaire.content_hash
    assert resource["url"] == "https://example.org/fhir/Questionnaire/kap-prescreen"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_resource_of_every_persona_validates(questionnaire, personas, persona):
    evaluation, result = export(questionnaire, personas[persona].answers)
    assert_valid(result)
    assert result["type"] == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in result["entry"]]
    assert kinds[0] == "QuestionnaireResponse" and set(kinds[1:]) <= {"Observation"}
    for entry in result["entry"]:
        assert_valid(entry["resource"])
    scores = [r for r in evaluation.scores.values() if r.applies]
    assert len(kinds) == 1 + len(scores)


def test_a_wrong_resource_is_caught_by_both_checks(questionnaire, personas):
    """The checks can fail: a made-up status fails the schema, a missing status the model."""
    _, result = export(questionnaire, personas["P01"].answers)
    response = copy.deepcopy(result["entry"][0]["resource"])
    response["status"] = "finished-ish"
    assert list(schema_validator("QuestionnaireResponse").iter_errors(response))
    del response["status"]
    with pytest.raises(ValueError, match="status"):
        get_fhir_model_class("QuestionnaireResponse").model_validate(response)


# -- the response: the summary's answers, no more ---------------------------------------------
@pytest.mark.parametrize("persona", PERSONAS)
def test_round_trip_the_response_says_what_the_summary_shows(questionnaire, personas, persona):
    evaluation, result = export(questionnaire, personas[persona].answers)
    response = result["entry"][0]["resource"]
    summary = [
        (question.id, shown)
        for _, rows in answer_rows(questionnaire, evaluation)
        for question, shown in rows
    ]
    exported = [
        (item["linkId"], response_display(item, questionnaire.questions[item["linkId"]]))
        for item in items(response)
        if item["linkId"] in questionnaire.questions
    ]
    assert exported == summary
    assert response["status"] == "completed"
    assert response["questionnaire"] == (
        f"https://example.org/fhir/Questionnaire/kap-prescreen|{questionnaire.content_hash}"
    )
    hidden = set(questionnaire.questions) - set(evaluation.visible_questions)
    assert not hidden & {item["linkId"] for item in items(response)}


def test_answers_are_codings_of_the_questionnaires_own_options(questionnaire, personas):
    definition = questionnaire_resource(questionnaire, canonical_for(questionnaire)).resource
    options = {
        item["linkId"]: [o["valueCoding"] for o in item["answerOption"]]
        for item in items(definition)
        if "answerOption" in item
    }
    _, result = export(questionnaire, personas["P11"].answers)
    codings = [
        (item["linkId"], answer["valueCoding"])
        for item in items(result["entry"][0]["resource"])
        for answer in item.get("answer", [])
        if "valueCoding" in answer
    ]
    assert len(codings) > 30
    for link_id, coding in codings:
        assert coding in options[link_id]
        assert coding["system"].startswith(definition["url"] + "/answers/")


# -- Observations -------------------------------------------------------------------------------
def test_scores_are_loinc_coded_where_loinc_has_a_code(questionnaire, personas):
    evaluation, result = export(questionnaire, personas["P11"].answers)  # trauma: PC-PTSD-5 too
    observations = {e["resource"]["id"]: e["resource"] for e in result["entry"][1:]}
    codes = {
        key.rsplit("-", 1)[1]: [c["code"] for c in obs["code"].get("coding", [])]
        for key, obs in observations.items()
    }
    assert codes == {"phq9": ["44261-6"], "gad7": ["70274-6"], "pcptsd5": [], "auditc": ["75626-2"]}
    ptsd = observations["KAP-TEST-0001-pcptsd5"]
    assert ptsd["code"] == {"text": "PC-PTSD-5 total score"}
    phq9 = observations["KAP-TEST-0001-phq9"]
    assert phq9["valueInteger"] == evaluation.scores["phq9"].value
    assert phq9["interpretation"] == [{"text": evaluation.scores["phq9"].band}]
    assert phq9["derivedFrom"] == [{"reference": result["entry"][0]["fullUrl"]}]
    assert phq9["category"][0]["coding"][0]["code"] == "survey"
    assert set(LOINC) == {"phq9", "gad7", "auditc"}


def test_flags_and_outcomes_are_never_coded_as_diagnoses(questionnaire, personas):
    """P08 raises urgent flags; nothing but survey scores leaves, and only LOINC codes."""
    evaluation, result = export(questionnaire, personas["P08"].answers)
    assert evaluation.flags
    text = json.dumps(result)
    for fired in evaluation.flags:
        assert fired.flag.id not in text
    assert evaluation.outcome.id not in text
    systems = {
        coding["system"]
        for entry in result["entry"][1:]
        for concept in [entry["resource"]["code"], *entry["resource"]["category"]]
        for coding in concept.get("coding", [])
    }
    assert systems <= {
        "http://loinc.org",
        "http://terminology.hl7.org/CodeSystem/observation-category",
    }
    assert "Condition" not in text and "snomed" not in text.lower() and "icd" not in text.lower()


# -- enableWhen: what a FHIR form filler would show ---------------------------------------------
def _holds(condition: dict, answers: dict) -> bool:
    given = answers.get(condition["question"], [])
    if condition["operator"] == "exists":
        return bool(given) == condition["answerBoolean"]
    (key,) = (k for k in condition if k.startswith("answer"))
    expected = condition[key]["code"] if key == "answerCoding" else condition[key]
    values = [
        a["valueCoding"]["code"] if "valueCoding" in a else next(iter(a.values())) for a in given
    ]
    if not values:
        return False
    ops = {
        "=": lambda v: v == expected,
        "!=": lambda v: v != expected,
        ">=": lambda v: v >= expected,
        "<=": lambda v: v <= expected,
        ">": lambda v: v > expected,
        "<": lambda v: v < expected,
    }
    return any(ops[condition["operator"]](value) for value in values)


def _enabled(item: dict, answers: dict) -> bool:
    conditions = item.get("enableWhen")
    if not conditions:
        return True
    results = [_holds(c, answers) for c in conditions]
    return any(results) if item.get("enableBehavior") == "any" else all(results)


def _shown(node: dict, answers: dict) -> list[str]:
    shown = []
    for item in node.get("item", []):
        if not _enabled(item, answers):
            continue
        if item["type"] not in ("group", "display"):
            shown.append(item["linkId"])
        shown += _shown(item, answers)
    return shown


def test_enable_when_shows_exactly_what_the_engine_shows_for_every_example(questionnaire):
    definition = questionnaire_resource(questionnaire, canonical_for(questionnaire))
    assert definition.unexpressed == []  # every show_if in questions.yaml fits enableWhen
    for example in questionnaire.examples:
        evaluation, result = export(questionnaire, example.answers)
        answers = {
            item["linkId"]: item.get("answer", []) for item in items(result["entry"][0]["resource"])
        }
        assert _shown(definition.resource, answers) == list(evaluation.visible_questions), (
            example.name
        )


def test_a_comparison_on_a_choice_becomes_equality_on_its_codes(questionnaire):
    definition = questionnaire_resource(questionnaire, canonical_for(questionnaire)).resource
    page = next(item for item in items(definition) if item["linkId"] == "page.safety_now")
    assert page["enableBehavior"] == "any"
    phq9_9 = [c["answerCoding"]["code"] for c in page["enableWhen"] if c["question"] == "phq9_9"]
    assert phq9_9 == ["1", "2", "3"]
    age = next(item for item in items(definition) if item["linkId"] == "section.symptoms")
    assert age["enableWhen"] == [{"question": "age", "operator": ">=", "answerInteger": 18}]
    assert "enableBehavior" not in age


def test_conditions_enable_when_cannot_hold_become_an_expression_or_a_note(questionnaire):
    system = canonical_for(questionnaire).system
    nested = Condition(
        "all",
        children=(
            Condition("q", ref="age", op="at_least", value=18),
            Condition("q", ref="dx_bipolar", op="in", value=["yes", "not_sure"]),
        ),
    )
    mapped = map_condition(nested, questionnaire, system)
    assert mapped.enable_when == [] and mapped.note is None
    assert mapped.expression == (
        "(%resource.repeat(item).where(linkId='age').answer.value >= 18) and "
        "(%resource.repeat(item).where(linkId='dx_bipolar').answer.value"
        ".where(code = 'yes' or code = 'not_sure').exists())"
    )
    negated = Condition("not", children=(Condition("q", ref="sb_ever", op="is", value="no"),))
    assert map_condition(negated, questionnaire, system).expression.endswith(".not()")
    # show_if may name questions only, so a note is the fallback for what FHIRPath cannot say
    on_score = Condition("score", ref="phq9", op="at_least", value=10)
    mapped = map_condition(on_score, questionnaire, system)
    assert mapped.expression is None and mapped.note.startswith("Shown only if ")


def test_the_command_writes_the_questionnaire_and_lists_what_enable_when_cannot_say(tmp_path):
    from click.testing import CliRunner

    from screener.cli.interop import fhir_questionnaire_command

    text = QUESTIONS.read_text(encoding="utf-8")
    text = text.replace(
        '            show_if: {q: sb_ever, is: "yes"}',
        '            show_if: {not: {q: sb_ever, is: "no"}}',
    ).replace(
        '        show_if: {q: trauma_exposure, is: "yes"}',
        '        show_if: {all: [{q: trauma_exposure, is: "yes"}, {q: age, in: [18, 19]}]}',
    )
    edited = tmp_path / "questions.yaml"
    edited.write_text(text, encoding="utf-8")
    out = tmp_path / "q.json"
    runner = CliRunner()
    result = runner.invoke(fhir_questionnaire_command, ["--questions", str(edited), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "sb_recent: show_if is not expressible as enableWhen (SDC enableWhenExpression)" in (
        result.output
    )
    assert "page.pcptsd5: show_if is not expressible as enableWhen (SDC enableWhenExpression)" in (
        result.output
    )
    assert "2 item(s) without enableWhen" in result.output
    resource = json.loads(out.read_text())
    assert_valid(resource)
    q = load_file(edited).questionnaire
    assert resource["version"] == q.content_hash != load_file(QUESTIONS).questionnaire.content_hash
    expressions = {
        item["linkId"]: ext["valueExpression"]
        for item in items(resource)
        for ext in item.get("extension", [])
        if ext["url"].endswith("sdc-questionnaire-enableWhenExpression")
    }
    assert expressions == {
        "sb_recent": {
            "language": "text/fhirpath",
            "expression": "(%resource.repeat(item).where(linkId='sb_ever').answer.value"
            ".where(code = 'no').exists()).not()",
        },
        "page.pcptsd5": {
            "language": "text/fhirpath",
            "expression": "(%resource.repeat(item).where(linkId='trauma_exposure').answer.value"
            ".where(code = 'yes').exists()) and (%resource.repeat(item).where(linkId='age')"
            ".answer.value in (18 | 19))",
        },
    }
    plain = runner.invoke(fhir_questionnaire_command, [])
    assert plain.exit_code == 0 and json.loads(plain.output)["resourceType"] == "Questionnaire"
