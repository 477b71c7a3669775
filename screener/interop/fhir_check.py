"""Every resource we hand out goes through the fhir.resources models first.

The package has no plain R4 module since version 7; its R4B models match R4 for the types
used here (Questionnaire, QuestionnaireResponse, Observation, Bundle): R4B changed none of
their elements. The tests also check each resource against the official R4 JSON schema.
"""

from __future__ import annotations


def validated(resource: dict) -> dict:
    """The resource as the R4B model reads it back; raises ValueError when it is not valid."""
    # Imported here, not at start: the models and pydantic cost every worker ~10 MB, and
    # only an export needs them.
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)
