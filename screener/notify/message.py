"""The words and the JSON of a notification: reference, urgency level, time, sign-in link.

Built from outbox rows only, which hold nothing else; the submission itself (answers,
contact details, flags) is never read here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from ..store.outbox import Delivery

EVENTS = {"urgent": "submission.urgent", "routine": "submission.digest"}
EVENTS["escalation"] = "submission.escalation"
FOOTER = (
    "This message leaves out the client's answers and details on purpose: read them in the "
    "staff area."
)


@dataclass(frozen=True)
class Message:
    key: str
    event: str
    subject: str
    text: str
    payload: dict

    @property
    def body(self) -> bytes:
        """The webhook's JSON body: the same bytes on every attempt, so it signs the same."""
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":")).encode()


def local_time(utc: dt.datetime, zone: dt.tzinfo) -> str:
    local = utc.replace(tzinfo=dt.UTC).astimezone(zone)
    return f"{local:%d %b %Y, %H:%M} {local.tzname()}"


def iso(utc: dt.datetime) -> str:
    return utc.replace(microsecond=0).isoformat() + "Z"


def compose(delivery: Delivery, sign_in_url: str, zone: dt.tzinfo) -> Message:
    rows = sorted(delivery.rows, key=lambda r: (r.submitted_at, r.id))
    items = [
        {"reference": r.reference, "level": r.level, "submitted_at": iso(r.submitted_at)}
        for r in rows
    ]
    first = rows[0]
    when = local_time(first.submitted_at, zone)
    if delivery.kind == "urgent":
        subject = f"Urgent pre-screening submission {first.reference} ({first.level})"
        lead = "An urgent pre-screening submission has arrived."
    elif delivery.kind == "escalation":
        subject = f"Not yet acknowledged: urgent submission {first.reference} ({first.level})"
        lead = "No one has acknowledged this urgent pre-screening submission yet."
    else:
        count = len(rows)
        subject = f"Pre-screening digest: {count} new submission{'s' if count != 1 else ''}"
        lead = f"{count} pre-screening submission{'s' if count != 1 else ''} arrived."
    if delivery.kind == "routine":
        lines = [
            f"- {r.reference} · {r.level} · received {local_time(r.submitted_at, zone)}"
            for r in rows
        ]
    else:
        lines = [f"Reference: {first.reference}", f"Urgency: {first.level}", f"Received: {when}"]
    text = "\n".join([lead, "", *lines, "", f"Sign in to read it: {sign_in_url}", "", FOOTER])
    payload = {
        "event": EVENTS[delivery.kind],
        "idempotency_key": delivery.key,
        "submissions": items,
        "sign_in_url": sign_in_url,
    }
    return Message(delivery.key, EVENTS[delivery.kind], subject, text + "\n", payload)
