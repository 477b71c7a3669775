"""Interoperability: FHIR R4 resources and a REDCap data dictionary from the questionnaire.

Pure like the questionnaire it reads: no Flask, no database. Callers (web, cli) pass the
questionnaire, an evaluation and the submission's reference and time.

fhir_questionnaire (definition → Questionnaire) · fhir_response (an evaluation →
QuestionnaireResponse, Observations, Bundle) · fhir_conditions (show_if → enableWhen) ·
redcap (data dictionary) · fhir_check (validation with the fhir.resources R4B models).
"""

from __future__ import annotations

from .fhir_check import validated
from .fhir_conditions import Mapped, map_condition
from .fhir_questionnaire import (
    Canonical,
    QuestionnaireExport,
    canonical_for,
    questionnaire_resource,
)
from .fhir_response import (
    LOINC,
    SubmissionInfo,
    bundle,
    observations,
    response_display,
    response_resource,
)
from .redcap import HEADER as REDCAP_HEADER
from .redcap import data_dictionary, data_dictionary_csv

__all__ = [
    "LOINC",
    "REDCAP_HEADER",
    "Canonical",
    "Mapped",
    "QuestionnaireExport",
    "SubmissionInfo",
    "bundle",
    "canonical_for",
    "data_dictionary",
    "data_dictionary_csv",
    "map_condition",
    "observations",
    "questionnaire_resource",
    "response_display",
    "response_resource",
    "validated",
]
