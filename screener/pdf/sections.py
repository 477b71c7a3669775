"""The story, section by section: each function returns the flowables of one part of the PDF."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, KeepTogether, Spacer, Table, TableStyle

from ..questionnaire import Evaluation, Questionnaire
from .flowables import (
    AnswerTable,
    BandBar,
    Para,
    PlainText,
    boxed,
    cell_text,
    definition_cell_text,
)
from .style import (
    ACCENT,
    ACCENT_BG,
    ANSWER_W,
    CRISIS,
    CRISIS_BG,
    QUESTION_W,
    RULE,
    RUNNING_TITLE,
    SCORE_NOTE,
)
from .text import FONT, format_number, long_date, markup


def story(evaluation: Evaluation, definition: Questionnaire, submission_meta, styles: dict) -> list:
    """Every section of the summary, in reading order.

    A young client's summary (a `youth` flag) leaves out what only an adult considering
    KAP needs: questions for a consultation, and "About KAP" with its costs.
    """
    adult = not evaluation.young
    return [
        *header(definition, submission_meta, styles),
        *next_step(evaluation, styles),
        *crisis_block(evaluation, definition, styles),
        *youth_block(evaluation, definition, styles),
        *(questions_to_bring(evaluation, styles) if adult else []),
        *scores(evaluation, styles),
        *answers(evaluation, definition, styles),
        *(about_kap(definition, styles) if adult else []),
    ]


def header(definition, sm, styles) -> list:
    """Practice, title, date, reference and questionnaire version."""
    meta = definition.meta
    reference = markup(sm.reference) if sm.reference else "not sent (your own copy)"
    first = [f"Date: {long_date(sm.created_at)}", f"Reference: {reference}"]
    if sm.contact_name:
        first.append(f"Prepared for: {markup(sm.contact_name)}")
    contact = [markup(meta.practice[k]) for k in ("city", "phone", "email") if meta.practice.get(k)]
    version = f"Questionnaire version {markup(meta.version or '-')} ({markup(definition.version)})"
    lines = [" \u00b7 ".join(first), " \u00b7 ".join([*contact, version])]
    return [
        Para(markup(meta.practice.get("name") or meta.title), styles["practice"]),
        Para(RUNNING_TITLE, styles["title"]),
        Para("<br/>".join(lines), styles["meta"]),
        Spacer(1, 10),
    ]


def bullets(items, styles, style="bullet") -> list:
    """One bulleted Para per item of markup."""
    return [Para(item, styles[style], bulletText="\u2022") for item in items]


def next_step(evaluation, styles) -> list:
    """The outcome in a box, then the reasons that led to it."""
    outcome = evaluation.outcome
    if outcome is None:
        return []
    inside = [
        Para("Recommended next step", styles["small"]),
        Para(markup(outcome.title), styles["box_title"]),
    ]
    if outcome.message:
        inside.append(Para(markup(outcome.message), styles["body"]))
    if outcome.next_steps:
        inside += bullets([markup(step) for step in outcome.next_steps], styles)
    flowables = [boxed(inside, ACCENT, ACCENT_BG)]
    if evaluation.reasons:
        flowables += [
            Para("Because of what you told us", styles["h3"]),
            *bullets([markup(r.flag.client_text) for r in evaluation.reasons], styles),
        ]
    return flowables


def crisis_block(evaluation, definition, styles) -> list:
    """The crisis resources, boxed, when a safety flag or urgent outcome was raised."""
    if not (evaluation.safety_flags or evaluation.urgent):
        return []
    inside = [
        Para("If you are struggling right now, please reach out now", styles["crisis_title"]),
        Para(
            "Some of your answers tell us you may be going through a very hard time. "
            "You don't have to wait for a consultation, and this form is not monitored "
            "around the clock. These services are free and open 24 hours a day:",
            styles["body"],
        ),
    ]
    inside += resource_bullets(definition.meta.crisis_resources, styles)
    return [Spacer(1, 8), boxed(inside, CRISIS, CRISIS_BG)]


def youth_block(evaluation, definition, styles) -> list:
    """For a young client: a trusted adult (with any safety flag) and the youth resources."""
    if not evaluation.young or not definition.meta.youth_resources:
        return []
    flowables = [Para("Support for young people", styles["h2"])]
    if evaluation.safety_flags:
        flowables.append(
            Para(
                "Please talk to a parent, school counselor or another adult you trust "
                "about how you are feeling.",
                styles["body"],
            )
        )
    return flowables + resource_bullets(definition.meta.youth_resources, styles)


def resource_bullets(resources, styles) -> list:
    """One bullet per resource: name, how to reach it, its site and note."""
    items = []
    for res in resources:
        detail = f"<b>{markup(res.name)}</b>: {markup(res.how)}"
        if res.url and res.url.split("//")[-1].rstrip("/") not in res.how:
            detail += f" ({markup(res.url.split('//')[-1].rstrip('/'))})"
        if res.note:
            detail += f". {markup(res.note)}"
        items.append(Para(detail, styles["bullet"], bulletText="\u2022"))
    return items


def questions_to_bring(evaluation, styles) -> list:
    """The review flags' client texts, or a note that nothing stood out."""
    review = [f for f in evaluation.flags if f.flag.level == "review" and f.flag.client_text]
    flowables = [Para("Questions to bring to your consultation", styles["h2"])]
    if not review:
        return flowables + [
            Para(
                "Nothing in particular stood out. Bring any questions you "
                "have about KAP, costs or timing.",
                styles["body"],
            )
        ]
    return flowables + bullets([markup(f.flag.client_text) for f in review], styles)


def scores(evaluation, styles) -> list:
    """The applicable screening scores: value, band, range and a band bar each."""
    results = [r for r in evaluation.scores.values() if r.applies]
    if not results:
        return []
    rows = []
    for result in results:
        score = result.score
        rows.append(
            [
                Para(
                    f"<b>{markup(score.label)}</b><br/><font size=7.5 color='#5b666c'>"
                    f"{SCORE_NOTE}</font>",
                    styles["cell"],
                ),
                Para(
                    f"{format_number(result.value)} <font size=8 color='#5b666c'>of "
                    f"{format_number(score.maximum)}</font>",
                    styles["score_value"],
                ),
                Para(
                    f"{markup(result.band)}<br/><font size=7.5 color='#5b666c'>range 0\u2013"
                    f"{format_number(score.maximum)}</font>",
                    styles["cell"],
                ),
                BandBar(score, result.value, width=140),
            ]
        )
    table = Table(rows, colWidths=[150, 56, 158, 140])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return [
        KeepTogether(
            [
                Para("Screening scores", styles["h2"]),
                Para(
                    "These are screening scores, not a diagnosis. Only a clinician can diagnose a "
                    "condition. The marker shows where your total falls.",
                    styles["small"],
                ),
                Spacer(1, 4),
                table,
            ]
        )
    ]


def answers(evaluation, definition, styles) -> list:
    """One question/answer table per section, listing only the questions the client saw."""
    visible = set(evaluation.visible_questions)
    flowables = [
        CondPageBreak(140),
        Para("Your answers", styles["h2"]),
        Para("Only the questions you were asked are listed, by section.", styles["small"]),
        Spacer(1, 4),
    ]
    return flowables + answer_tables(evaluation, definition, visible)


def answer_tables(evaluation: Evaluation, definition: Questionnaire, visible: set) -> list:
    """One table per section of the questions shown and their answers, by page."""
    flowables = []
    for section in definition.sections:
        table = AnswerTable(section.title)
        for page in section.pages:
            shown = [q for q in page.questions if q.id in visible]
            if not shown:
                continue
            heading = page_heading(page)
            if heading and heading != section.title:
                table.page_title(heading)
            for question in shown:
                answer = question.display(evaluation.answers.get(question.id))
                # Choice answers are the definition's own labels; free text is never cached.
                answer_cell = definition_cell_text if question.is_choice else cell_text
                table.question(
                    definition_cell_text(question.label, QUESTION_W), answer_cell(answer, ANSWER_W)
                )
        if table.rows:
            flowables += [table.build(), Spacer(1, 10)]
    return flowables


def page_heading(page) -> str:
    """A short page intro ("In the past month, have you…") reads better than the title."""
    return page.intro if page.intro and len(page.intro) <= 120 else page.title


def about_kap(definition, styles) -> list:
    """The practice's own paragraphs about KAP, and its medical partner's driving rule."""
    paragraphs = [*definition.meta.about_kap]
    if definition.meta.practice.get("driving_rule"):
        paragraphs.append(definition.meta.practice["driving_rule"])
    if not paragraphs:
        return []
    return [
        CondPageBreak(100),
        Para("About KAP at this practice", styles["h2"]),
        *[PlainText(p, styles["body"]) for p in paragraphs],
    ]
