"""What an answer change did to the client's other answers, said in plain words.

A change can hide questions the client already answered (age 42 → 17 hides most of the
questionnaire). Their answers stay in the encrypted draft, unused, and come back if the
change is undone; the client is told both ways, by the parts of the questionnaire they
belong to, never by the answers themselves (GOV.UK: check answers pattern).
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..questionnaire import Evaluation, Questionnaire


def notice(q: Questionnaire, page_id: str, before: Evaluation, after: Evaluation) -> list[str]:
    """The sentences to show after `page_id` was posted: answers set aside, answers back."""
    changed = q.pages[page_id].title
    mine = {question.id for question in q.pages[page_id].questions}
    hidden = set(before.answers) - set(after.answers) - mine
    back = set(after.answers) - set(before.answers) - mine
    out = []
    if hidden:
        out.append(
            _(
                "Because you changed your answers on \u201c%(page)s\u201d, we will not use "
                "your answers about %(parts)s. We keep them in case you change it back; they "
                "are not part of your summary and will not be sent.",
                page=changed,
                parts=parts(q, hidden, before),
            )
        )
    if back:
        out.append(
            _(
                "Because you changed your answers on \u201c%(page)s\u201d, your earlier "
                "answers about %(parts)s apply again.",
                page=changed,
                parts=parts(q, back, after),
            )
        )
    return out


def parts(q: Questionnaire, question_ids: set, shown: Evaluation) -> str:
    """Name where the questions are: a whole section by its title, else each page's title."""
    names: list[str] = []
    for section in q.sections:
        pages = [p for p in section.pages if p.id in shown.visible_pages]
        touched = [p for p in pages if any(x.id in question_ids for x in p.questions)]
        if not touched:
            continue
        if len(touched) == len(pages):
            names.append(section.title)
        else:
            names.extend(p.title for p in touched)
    names = list(dict.fromkeys(_("\u201c%(name)s\u201d", name=name) for name in names))
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
