"""One submission as FHIR: a QuestionnaireResponse, an Observation per score, a Bundle.

The response holds exactly what the staff summary shows: the visible questions, by section
and page, each with its answer (none for "Not answered"). Scores are Observations of the
"survey" category, LOINC-coded where LOINC has a code for that total; the others carry their
name as text only. Flags and the outcome are pre-screening workflow, not findings, and are
never coded (no Condition, no diagnosis code): they stay in the app and its API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from ..questionnaire import Evaluation, Question, Questionnaire, ScoreResult, visible_on_page
from .fhir_check import validated
from .fhir_questionnaire import Canonical, group_id

LOINC_SYSTEM = "http://loinc.org"
#: score id in questions.yaml → (LOINC code, LOINC long name) of the instrument's total.
#: PC-PTSD-5 has none we could verify, so it stays uncoded (text only).
LOINC = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
    "auditc": ("75626-2", "Total score [AUDIT-C]"),
}
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}


@dataclass(frozen=True)
class SubmissionInfo:
    reference: str
    #: when the practice received it (UTC, naive as stored)
    created_at: dt.datetime


def fhir_time(value: dt.datetime) -> str:
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def full_url(canonical: Canonical, *parts: str) -> str:
    """A stable urn:uuid for a resource of this submission (the same on every export)."""
    name = "/".join((canonical.url, *parts))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _identifier(canonical: Canonical, reference: str) -> dict:
    return {"system": f"{canonical.base}/submission-reference", "value": reference}


# -- QuestionnaireResponse ---------------------------------------------------------------------
def response_resource(
    q: Questionnaire, evaluation: Evaluation, canonical: Canonical, info: SubmissionInfo
) -> dict:
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": info.reference,
        "identifier": _identifier(canonical, info.reference),
        "questionnaire": canonical.versioned,
        "status": "completed",
        "authored": fhir_time(info.created_at),
        "item": _sections(q, evaluation, canonical),
    }
    if not resource["item"]:
        del resource["item"]
    return validated(resource)


def _sections(q: Questionnaire, evaluation: Evaluation, canonical: Canonical) -> list:
    """The same walk as the staff summary: visible pages, then their visible questions."""
    answers = evaluation.answers
    sections = []
    for section in q.sections:
        pages = []
        for page in section.pages:
            if page.id not in evaluation.visible_pages:
                continue
            shown = visible_on_page(q, page, answers)
            if shown:
                items = [
                    _answered(question, answers.get(question.id), canonical) for question in shown
                ]
                pages.append(
                    {"linkId": group_id("page", page.id), "text": page.title, "item": items}
                )
        if pages:
            sections.append(
                {"linkId": group_id("section", section.id), "text": section.title, "item": pages}
            )
    return sections


def _answered(question: Question, value, canonical: Canonical) -> dict:
    item = {"linkId": question.id, "text": question.label}
    answers = _answers(question, value, canonical)
    if answers:
        item["answer"] = answers
    return item


def _answers(question: Question, value, canonical: Canonical) -> list:
    if value is None or value == "" or value == []:
        return []
    if question.is_choice:
        values = value if isinstance(value, list) else [value]
        system = canonical.system(question)
        return [
            {"valueCoding": {"system": system, "code": str(v), "display": question.display(v)}}
            for v in values
        ]
    key = {
        "integer": "valueInteger",
        "decimal": "valueDecimal",
        "date": "valueDate",
    }.get(question.type, "valueString")
    return [{key: value}]


def response_display(item: dict, question: Question) -> str:
    """An answered item as the summary words it (the round-trip test compares the two)."""
    answers = item.get("answer") or []
    if not answers:
        return question.display(None)
    if question.is_choice:
        return ", ".join(answer["valueCoding"]["display"] for answer in answers)
    (value,) = (v for k, v in answers[0].items() if k.startswith("value"))
    return question.display(value)


# -- Observations and the Bundle ---------------------------------------------------------------
def observations(
    q: Questionnaire, evaluation: Evaluation, canonical: Canonical, info: SubmissionInfo
) -> list[dict]:
    response_url = full_url(canonical, info.reference, "response")
    return [
        _observation(result, response_url, info)
        for result in (evaluation.scores.get(score.id) for score in q.scores)
        if result is not None and result.applies
    ]


def _observation(result: ScoreResult, response_url: str, info: SubmissionInfo) -> dict:
    score = result.score
    code = {"text": f"{score.label} total score"}
    if score.id in LOINC:
        loinc, display = LOINC[score.id]
        code["coding"] = [{"system": LOINC_SYSTEM, "code": loinc, "display": display}]
    resource = {
        "resourceType": "Observation",
        "id": f"{info.reference}-{score.id}".replace("_", "-"),
        "status": "final",
        "category": [SURVEY],
        "code": code,
        "effectiveDateTime": fhir_time(info.created_at),
        **_value(result.value),
        "derivedFrom": [{"reference": response_url}],
    }
    if result.band:
        # the questionnaire's band in words, as text: a severity range, never a diagnosis
        resource["interpretation"] = [{"text": result.band}]
    return validated(resource)


def _value(value: float) -> dict:
    if float(value).is_integer():
        return {"valueInteger": int(value)}
    return {
        "valueQuantity": {
            "value": value,
            "unit": "{score}",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        }
    }


def bundle(
    q: Questionnaire, evaluation: Evaluation, canonical: Canonical, info: SubmissionInfo
) -> dict:
    """A collection: the QuestionnaireResponse, then an Observation per score."""
    response = response_resource(q, evaluation, canonical, info)
    entries = [{"fullUrl": full_url(canonical, info.reference, "response"), "resource": response}]
    for observation in observations(q, evaluation, canonical, info):
        name = observation["id"]
        entries.append({"fullUrl": full_url(canonical, name), "resource": observation})
    return validated(
        {
            "resourceType": "Bundle",
            "id": f"{info.reference}-bundle",
            "identifier": _identifier(canonical, info.reference),
            "type": "collection",
            "timestamp": fhir_time(info.created_at),
            "entry": entries,
        }
    )
