"""The story, section by section: each function returns the flowables of one part of the PDF.

Every fixed word goes through `_` (a gettext function: the caller's catalogue, English by
default) as a literal `_("...")`, so that `pybabel extract` finds it.
"""

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
)
from .text import ENGLISH, FONT, format_number, long_date, markup


def story(
    evaluation: Evaluation,
    definition: Questionnaire,
    submission_meta,
    styles: dict,
    translations=ENGLISH,
    locale: str = "en",
) -> list:
    """Every section of the summary, in reading order, in the language of `translations`.

    A young client's summary (a `youth` flag) leaves out what only an adult considering
    KAP needs: questions for a consultation, and "About KAP" with its costs.
    """
    _ = translations.gettext
    adult = not evaluation.young
    return [
        *header(definition, submission_meta, styles, _, locale),
        *next_step(evaluation, styles, _),
        *crisis_block(evaluation, definition, styles, _),
        *youth_block(evaluation, definition, styles, _),
        *(questions_to_bring(evaluation, styles, _) if adult else []),
        *scores(evaluation, styles, _, locale),
        *answers(evaluation, definition, styles, _),
        *(about_kap(definition, styles, _) if adult else []),
    ]


def running_title(_) -> str:
    """The summary's title, also in every page's header and the PDF's metadata."""
    return _("Pre-screening summary \u2014 not a diagnosis")


def crisis_footer(meta, _) -> str:
    """The crisis line at the foot of every page: "In crisis? Call or text 988 · …".

    The same words as the core's `meta.crisis_text` (English), built here so that they
    follow the PDF's language.
    """
    lines = " \u00b7 ".join(_crisis_entry(r, _) for r in meta.crisis_line)
    return _("In crisis? %(lines)s") % {"lines": lines}


def _crisis_entry(resource, _) -> str:
    """One resource of the crisis line: how to reach it, prefixed "Emergency:" for 911."""
    how = _crisis_reach(resource, _)
    if resource.emergency:
        return _("Emergency: %(how)s") % {"how": how[:1].lower() + how[1:]}
    return how


def _crisis_reach(resource, _) -> str:
    """How to reach a crisis resource in a few words: "Call or text 988"."""
    tel, sms = resource.tel, resource.sms
    if tel and sms:
        if tel == sms:
            return _("Call or text %(number)s") % {"number": tel}
        return _("Call %(tel)s or text %(sms)s") % {"tel": tel, "sms": sms}
    if tel:
        return _("Call %(number)s") % {"number": tel}
    if sms:  # a text line often needs a keyword, which its own `how` gives: "Text HOME to 741741"
        return resource.how if sms in resource.how else _("Text %(number)s") % {"number": sms}
    return resource.how


def header(definition, sm, styles, _, locale: str) -> list:
    """Practice, title, date, reference and questionnaire version."""
    meta = definition.meta
    reference = markup(sm.reference) if sm.reference else markup(_("not sent (your own copy)"))
    first = [
        markup(_("Date: %(date)s")) % {"date": markup(long_date(sm.created_at, locale))},
        markup(_("Reference: %(reference)s")) % {"reference": reference},
    ]
    if sm.contact_name:
        first.append(markup(_("Prepared for: %(name)s")) % {"name": markup(sm.contact_name)})
    contact = [markup(meta.practice[k]) for k in ("city", "phone", "email") if meta.practice.get(k)]
    version = markup(_("Questionnaire version %(version)s (%(hash)s)")) % {
        "version": markup(meta.version or "-"),
        "hash": markup(definition.version),
    }
    lines = [" \u00b7 ".join(first), " \u00b7 ".join([*contact, version])]
    return [
        Para(markup(meta.practice.get("name") or meta.title), styles["practice"]),
        Para(markup(running_title(_)), styles["title"]),
        Para("<br/>".join(lines), styles["meta"]),
        Spacer(1, 10),
    ]


def bullets(items, styles, style="bullet") -> list:
    """One bulleted Para per item of markup."""
    return [Para(item, styles[style], bulletText="\u2022") for item in items]


def next_step(evaluation, styles, _) -> list:
    """The outcome in a box, then the reasons that led to it."""
    outcome = evaluation.outcome
    if outcome is None:
        return []
    inside = [
        Para(markup(_("Recommended next step")), styles["small"]),
        Para(markup(outcome.title), styles["box_title"]),
    ]
    if outcome.message:
        inside.append(Para(markup(outcome.message), styles["body"]))
    if outcome.next_steps:
        inside += bullets([markup(step) for step in outcome.next_steps], styles)
    flowables = [boxed(inside, ACCENT, ACCENT_BG)]
    if evaluation.reasons:
        flowables += [
            Para(markup(_("Because of what you told us")), styles["h3"]),
            *bullets([markup(r.flag.client_text) for r in evaluation.reasons], styles),
        ]
    return flowables


def crisis_block(evaluation, definition, styles, _) -> list:
    """The crisis resources, boxed, when a safety flag or urgent outcome was raised."""
    if not (evaluation.safety_flags or evaluation.urgent):
        return []
    inside = [
        Para(
            markup(_("If you are struggling right now, please reach out now")),
            styles["crisis_title"],
        ),
        Para(
            markup(
                _(
                    "Some of your answers tell us you may be going through a very hard time. "
                    "You don't have to wait for a consultation, and this form is not monitored "
                    "around the clock. These services are free and open 24 hours a day:"
                )
            ),
            styles["body"],
        ),
    ]
    inside += resource_bullets(definition.meta.crisis_resources, styles)
    return [Spacer(1, 8), boxed(inside, CRISIS, CRISIS_BG)]


def youth_block(evaluation, definition, styles, _) -> list:
    """For a young client: a trusted adult (with any safety flag) and the youth resources."""
    if not evaluation.young or not definition.meta.youth_resources:
        return []
    flowables = [Para(markup(_("Support for young people")), styles["h2"])]
    if evaluation.safety_flags:
        flowables.append(
            Para(
                markup(
                    _(
                        "Please talk to a parent, school counselor or another adult you trust "
                        "about how you are feeling."
                    )
                ),
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


def questions_to_bring(evaluation, styles, _) -> list:
    """The review flags' client texts, or a note that nothing stood out."""
    review = [f for f in evaluation.flags if f.flag.level == "review" and f.flag.client_text]
    flowables = [Para(markup(_("Questions to bring to your consultation")), styles["h2"])]
    if not review:
        return flowables + [
            Para(
                markup(
                    _(
                        "Nothing in particular stood out. Bring any questions you "
                        "have about KAP, costs or timing."
                    )
                ),
                styles["body"],
            )
        ]
    return flowables + bullets([markup(f.flag.client_text) for f in review], styles)


def scores(evaluation, styles, _, locale: str) -> list:
    """The applicable screening scores: value, band, range and a band bar each."""
    results = [r for r in evaluation.scores.values() if r.applies]
    if not results:
        return []
    note = markup(_("screening score, not a diagnosis"))
    rows = []
    for result in results:
        score = result.score
        maximum = format_number(score.maximum, locale)
        # "12 of 27": the value stands out, "of 27" is muted, so they are two strings.
        out_of = markup(_("of %(maximum)s")) % {"maximum": maximum}
        span = markup(_("range %(low)s\u2013%(high)s")) % {
            "low": format_number(0, locale),
            "high": maximum,
        }
        rows.append(
            [
                Para(
                    f"<b>{markup(score.label)}</b><br/><font size=7.5 color='#5b666c'>"
                    f"{note}</font>",
                    styles["cell"],
                ),
                Para(
                    f"{format_number(result.value, locale)} <font size=8 color='#5b666c'>"
                    f"{out_of}</font>",
                    styles["score_value"],
                ),
                Para(
                    f"{markup(result.band)}<br/><font size=7.5 color='#5b666c'>{span}</font>",
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
                Para(markup(_("Screening scores")), styles["h2"]),
                Para(
                    markup(
                        _(
                            "These are screening scores, not a diagnosis. Only a clinician can "
                            "diagnose a condition. The marker shows where your total falls."
                        )
                    ),
                    styles["small"],
                ),
                Spacer(1, 4),
                table,
            ]
        )
    ]


def answers(evaluation, definition, styles, _) -> list:
    """One question/answer table per section, listing only the questions the client saw."""
    visible = set(evaluation.visible_questions)
    flowables = [
        CondPageBreak(140),
        Para(markup(_("Your answers")), styles["h2"]),
        Para(
            markup(_("Only the questions you were asked are listed, by section.")), styles["small"]
        ),
        Spacer(1, 4),
    ]
    return flowables + answer_tables(evaluation, definition, visible, _)


def answer_tables(
    evaluation: Evaluation, definition: Questionnaire, visible: set, _=ENGLISH.gettext
) -> list:
    """One table per section of the questions shown and their answers, by page.

    The headings and "Not answered" are in the language of `_` (the clinician brief keeps
    the English default), whatever language the definition's own texts are in.
    """
    answer_heading, not_answered = _("Your answer"), _("Not answered")
    flowables = []
    for section in definition.sections:
        table = AnswerTable(section.title, answer_heading)
        for page in section.pages:
            shown = [q for q in page.questions if q.id in visible]
            if not shown:
                continue
            heading = page_heading(page)
            if heading and heading != section.title:
                table.page_title(heading)
            for question in shown:
                value = evaluation.answers.get(question.id)
                answer = question.display(value) if answered(value) else not_answered
                # Choice answers are the definition's own labels; free text is never cached.
                answer_cell = definition_cell_text if question.is_choice else cell_text
                table.question(
                    definition_cell_text(question.label, QUESTION_W), answer_cell(answer, ANSWER_W)
                )
        if table.rows:
            flowables += [table.build(), Spacer(1, 10)]
    return flowables


def answered(value) -> bool:
    """Whether there is an answer to show (the core's display() says "Not answered" else)."""
    return not (value is None or value == "" or value == [])


def page_heading(page) -> str:
    """A short page intro ("In the past month, have you…") reads better than the title."""
    return page.intro if page.intro and len(page.intro) <= 120 else page.title


def about_kap(definition, styles, _) -> list:
    """The practice's own paragraphs about KAP, and its medical partner's driving rule."""
    paragraphs = [*definition.meta.about_kap]
    if definition.meta.practice.get("driving_rule"):
        paragraphs.append(definition.meta.practice["driving_rule"])
    if not paragraphs:
        return []
    return [
        CondPageBreak(100),
        Para(markup(_("About KAP at this practice")), styles["h2"]),
        *[PlainText(p, styles["body"]) for p in paragraphs],
    ]
