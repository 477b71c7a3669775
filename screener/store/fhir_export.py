"""Submissions as FHIR Bundles for bulk transfer (`flask export-fhir`): NDJSON, one a line.

Each submission is evaluated with the questionnaire version it was answered against, so its
QuestionnaireResponse names that version. Nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..interop import SubmissionInfo, bundle, canonical_for
from ..questionnaire import Questionnaire, evaluate
from .crypto import Vault
from .models import Submission


def submission_bundle(
    sub: Submission, q: Questionnaire, answers: dict, base: str | None = None
) -> dict:
    """The collection Bundle of one submission (QuestionnaireResponse and Observations)."""
    info = SubmissionInfo(sub.reference, sub.created_at)
    return bundle(q, evaluate(q, answers), canonical_for(q, base), info)


def bundles_since(
    db: Session,
    vault: Vault,
    definition: Callable[[str], Questionnaire],
    since: dt.datetime,
    base: str | None = None,
) -> Iterator[dict]:
    """A Bundle a submission received at or after `since` (UTC), oldest first."""
    stmt = (
        select(Submission)
        .where(Submission.created_at >= since)
        .order_by(Submission.created_at.asc(), Submission.id.asc())
        .execution_options(yield_per=100)
    )
    for sub in db.scalars(stmt):
        answers = vault.record(sub.key_enc).open(sub.answers_enc, {}) or {}
        yield submission_bundle(sub, definition(sub.definition_hash), answers, base)


def ndjson_line(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"
