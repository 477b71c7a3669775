"""questions.yaml as a FHIR R4 Questionnaire: sections and pages as groups, questions inside.

Types: yesno, single → choice; multiple → choice that repeats; integer, decimal, date;
text → string; longtext → text. Options are codings in the questionnaire's own code
systems, one per question (`{url}/answers/{question id}`): the same value means different
things in different questions ("1" is "Several days" in the PHQ-9, a count elsewhere).
The version is the file's content hash, so a response names exactly what was asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..questionnaire import Condition, Page, Question, Questionnaire, Section
from .fhir_check import validated
from .fhir_conditions import map_condition

TYPES = {
    "yesno": "choice",
    "single": "choice",
    "multiple": "choice",
    "integer": "integer",
    "decimal": "decimal",
    "text": "string",
    "longtext": "text",
    "date": "date",
}
SDC_ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
DESIGN_NOTE = "http://hl7.org/fhir/StructureDefinition/designNote"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
#: where the canonical URL comes from when no base is configured: a name, never a server
FALLBACK_BASE = "urn:kap-screener"


@dataclass(frozen=True)
class Canonical:
    """The questionnaire's canonical URL and version, and its answer code systems."""

    base: str
    qid: str
    version: str

    @property
    def url(self) -> str:
        return f"{self.base}/Questionnaire/{self.qid}"

    @property
    def versioned(self) -> str:
        return f"{self.url}|{self.version}"

    def system(self, question: Question) -> str:
        return f"{self.url}/answers/{question.id}"


def canonical_for(q: Questionnaire, base: str | None = None) -> Canonical:
    """The canonical URL sits under `base`, else under the practice's booking site + /fhir."""
    if not base:
        parts = urlsplit(str(q.meta.practice.get("booking_url") or ""))
        base = f"{parts.scheme}://{parts.netloc}/fhir" if parts.scheme and parts.netloc else ""
    return Canonical((base or FALLBACK_BASE).rstrip("/"), q.meta.id, q.content_hash)


@dataclass
class QuestionnaireExport:
    """The resource, and the items whose `show_if` did not fit `enableWhen`."""

    resource: dict
    #: (item linkId, "expression" or "note", what was written)
    unexpressed: list = field(default_factory=list)


def questionnaire_resource(q: Questionnaire, canonical: Canonical) -> QuestionnaireExport:
    out = QuestionnaireExport({})
    resource = {
        "resourceType": "Questionnaire",
        "id": _fhir_id(q.meta.id),
        "url": canonical.url,
        "version": canonical.version,
        "name": _name(q.meta.id),
        "title": q.meta.title,
        "status": "active",
        "experimental": False,
        "subjectType": ["Patient"],
        "publisher": str(q.meta.practice.get("name") or "") or None,
        "description": q.meta.disclaimer or None,
        "item": [_section(q, section, canonical, out) for section in q.sections],
    }
    out.resource = validated({k: v for k, v in resource.items() if v is not None})
    return out


def _section(q, section: Section, canonical, out) -> dict:
    item = {"linkId": group_id("section", section.id), "text": section.title, "type": "group"}
    _enable(item, section.show_if, q, canonical, out)
    item["item"] = [_page(q, page, canonical, out) for page in section.pages]
    return item


def _page(q, page: Page, canonical, out) -> dict:
    item = {"linkId": group_id("page", page.id), "text": page.title, "type": "group"}
    _enable(item, page.show_if, q, canonical, out)
    children = []
    if page.intro:
        children.append(
            {"linkId": group_id("page", page.id) + ".intro", "text": page.intro, "type": "display"}
        )
    children += [_question(q, question, canonical, out) for question in page.questions]
    item["item"] = children
    return item


def _question(q, question: Question, canonical, out) -> dict:
    item = {"linkId": question.id, "text": question.label, "type": TYPES[question.type]}
    _enable(item, question.show_if, q, canonical, out)
    item["required"] = bool(question.required)
    if question.type == "multiple":
        item["repeats"] = True
    if question.max_length and question.type in ("text", "longtext"):
        item["maxLength"] = question.max_length
    if question.is_choice:
        system = canonical.system(question)
        item["answerOption"] = [
            {"valueCoding": {"system": system, "code": str(opt.value), "display": opt.label}}
            for opt in question.options
        ]
    _limits(item, question)
    if question.hint:
        item["item"] = [{"linkId": f"{question.id}.hint", "text": question.hint, "type": "display"}]
    return item


def _limits(item: dict, question: Question) -> None:
    """Fixed number bounds as the core minValue/maxValue extensions."""
    if not question.is_numeric:
        return
    key = "valueInteger" if question.type == "integer" else "valueDecimal"
    for url, limit in ((MIN_VALUE, question.min), (MAX_VALUE, question.max)):
        if limit is not None and limit.number is not None:
            number = int(limit.number) if key == "valueInteger" else float(limit.number)
            item.setdefault("extension", []).append({"url": url, key: number})


def _enable(item: dict, cond: Condition | None, q, canonical: Canonical, out) -> None:
    if cond is None:
        return
    mapped = map_condition(cond, q, canonical.system)
    if mapped.enable_when:
        item["enableWhen"] = mapped.enable_when
        if mapped.behavior:
            item["enableBehavior"] = mapped.behavior
        return
    extension = item.setdefault("extension", [])
    if mapped.expression:
        extension.append(
            {
                "url": SDC_ENABLE_WHEN_EXPRESSION,
                "valueExpression": {"language": "text/fhirpath", "expression": mapped.expression},
            }
        )
        out.unexpressed.append((item["linkId"], "expression", mapped.expression))
    else:
        extension.append({"url": DESIGN_NOTE, "valueMarkdown": mapped.note})
        out.unexpressed.append((item["linkId"], "note", mapped.note))


def group_id(kind: str, ident: str) -> str:
    """A section's or page's linkId: "page.age" never clashes with the question "age"."""
    return f"{kind}.{ident}"


def _fhir_id(text: str) -> str:
    """A FHIR id: letters, digits, - and . only, at most 64."""
    return re.sub(r"[^A-Za-z0-9.-]", "-", text)[:64] or "questionnaire"


def _name(text: str) -> str:
    """A computer-friendly name: starts with a capital, letters, digits and _ (que-0)."""
    words = re.split(r"[^A-Za-z0-9]+", text)
    name = "".join(word[:1].upper() + word[1:] for word in words if word)
    return name if name[:1].isalpha() else "Q" + name
