"""The OpenAPI 3.0 description of /api/v1, served at /api/v1/openapi.json.

The tests check real responses against it (openapi-core), so it cannot drift from the views.
"""

from __future__ import annotations

from ..store.queries import STATUSES, URGENCY


def _error() -> dict:
    return {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        "additionalProperties": False,
    }


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


ERRORS = {
    "400": {"description": "A parameter is not valid", "content": _json("Error")},
    "401": {"description": "No token, or a refused one", "content": _json("Error")},
    "403": {"description": "Plain http in production", "content": _json("Error")},
    "429": {"description": "Too many calls; see Retry-After", "content": _json("Error")},
}
NOT_FOUND = {"404": {"description": "No such submission", "content": _json("Error")}}
REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Z0-9-]{1,20}$"},
    "description": "The submission's reference, e.g. KAP-7F3K-9QXD",
}


def _summary_properties() -> dict:
    return {
        "reference": {"type": "string"},
        "received": {"type": "string", "format": "date-time"},
        "outcome": {"type": "string"},
        "urgency": {"type": "integer", "enum": sorted(URGENCY)},
        "urgency_label": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "assignee": {"type": "string", "nullable": True},
    }


def _schemas() -> dict:
    summary_props = _summary_properties()
    return {
        "Error": _error(),
        "SubmissionSummary": {
            "type": "object",
            "required": list(summary_props),
            "properties": summary_props,
            "additionalProperties": False,
        },
        "SubmissionList": {
            "type": "object",
            "required": ["data", "next_cursor"],
            "properties": {
                "data": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/SubmissionSummary"},
                },
                "next_cursor": {"type": "string", "nullable": True},
            },
            "additionalProperties": False,
        },
        "SubmissionDetail": {
            "type": "object",
            "required": [
                *summary_props,
                "outcome_title",
                "questionnaire_version",
                "flags",
                "scores",
                "answers",
                "contact",
            ],
            "properties": {
                **summary_props,
                "outcome_title": {"type": "string"},
                "questionnaire_version": {"type": "string"},
                "flags": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "level", "label"],
                        "properties": {
                            "id": {"type": "string"},
                            "level": {"type": "string", "enum": ["urgent", "review", "info"]},
                            "label": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                },
                "scores": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "label", "value", "band"],
                        "properties": {
                            "id": {"type": "string"},
                            "label": {"type": "string"},
                            "value": {"type": "number"},
                            "band": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                },
                "answers": {
                    "type": "array",
                    "description": "Every visible answer, worded as the staff summary shows it",
                    "items": {
                        "type": "object",
                        "required": ["section", "question", "label", "answer"],
                        "properties": {
                            "section": {"type": "string"},
                            "question": {"type": "string"},
                            "label": {"type": "string"},
                            "answer": {"type": "string"},
                        },
                        "additionalProperties": False,
                    },
                },
                "contact": {
                    "type": "object",
                    "required": ["name", "method", "email", "phone", "time"],
                    "properties": {
                        key: {"type": "string"}
                        for key in ("name", "method", "email", "phone", "time")
                    },
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
        },
        "FhirBundle": {
            "type": "object",
            "description": "A FHIR R4 Bundle of type collection: QuestionnaireResponse, "
            "then an Observation per score",
            "required": ["resourceType", "type", "entry"],
            "properties": {
                "resourceType": {"type": "string", "enum": ["Bundle"]},
                "type": {"type": "string", "enum": ["collection"]},
                "entry": {"type": "array", "items": {"type": "object"}},
            },
        },
    }


def _get(summary: str, ok: dict, *, parameters=(), extra=None, secured=True) -> dict:
    operation = {"summary": summary, "responses": {"200": ok, **(extra or {})}}
    if parameters:
        operation["parameters"] = list(parameters)
    if not secured:
        operation["security"] = []
    else:
        operation["responses"].update(ERRORS)
    return {"get": operation}


def openapi_document() -> dict:
    list_params = [
        {
            "name": "since",
            "in": "query",
            "schema": {"type": "string"},
            "description": "Received on or after this date or time (ISO 8601, UTC)",
        },
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
        {
            "name": "urgency",
            "in": "query",
            "schema": {"type": "integer", "enum": sorted(URGENCY)},
            "description": "3 support first, 2 urgent, 1 medical review, 0 the rest",
        },
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200},
        },
        {
            "name": "cursor",
            "in": "query",
            "schema": {"type": "string"},
            "description": "The next_cursor of the previous page",
        },
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "KAP pre-screener staff API",
            "version": "1",
            "description": "Read-only. Send a token made at /staff/api-tokens as "
            "`Authorization: Bearer <token>`; https only in production. Every call is audited.",
        },
        "paths": {
            "/api/v1/submissions": _get(
                "Submissions, oldest first: metadata only, paginated with a cursor",
                {"description": "A page of submissions", "content": _json("SubmissionList")},
                parameters=list_params,
            ),
            "/api/v1/submissions/{reference}": _get(
                "One submission: outcome, flags, scores, visible answers, contact details",
                {"description": "The submission", "content": _json("SubmissionDetail")},
                parameters=[REFERENCE],
                extra=NOT_FOUND,
            ),
            "/api/v1/submissions/{reference}/fhir": _get(
                "The submission as a FHIR R4 Bundle (collection)",
                {
                    "description": "The Bundle",
                    "content": {
                        "application/fhir+json": {
                            "schema": {"$ref": "#/components/schemas/FhirBundle"}
                        }
                    },
                },
                parameters=[REFERENCE],
                extra=NOT_FOUND,
            ),
            "/api/v1/submissions/{reference}/pdf": _get(
                "The client's summary PDF",
                {
                    "description": "The PDF",
                    "content": {
                        "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                parameters=[REFERENCE],
                extra=NOT_FOUND,
            ),
            "/api/v1/openapi.json": _get(
                "This document",
                {
                    "description": "OpenAPI 3.0",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                secured=False,
            ),
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
