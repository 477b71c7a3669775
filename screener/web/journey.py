"""Helpers behind the client views: the current draft, navigation, rendering."""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass

from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from ..i18n import translations
from ..questionnaire import Evaluation, Questionnaire, clean, evaluate, visible_on_page
from ..questionnaire.timing import estimated_minutes
from ..store import AuditEntry, Draft, Submission, drafts, read_only, utcnow
from . import app_state, changes
from .language import clear_session
from .page_tokens import SUPPORT, page_token, resolve


@dataclass
class Context:
    """The current client's draft, its questionnaire version and its evaluation."""

    draft: Draft
    q: Questionnaire
    state: drafts.DraftState
    evaluation: Evaluation


@functools.lru_cache(maxsize=8)
def minutes_to_answer(q: Questionnaire) -> int:
    """The landing page's estimate, from words to read and questions to answer."""
    return estimated_minutes(q)


def current_draft() -> Draft | None:
    draft_id = session.get("draft")
    if not draft_id:
        return None
    draft = app_state.db().get(Draft, draft_id)
    if draft is None or not draft_is_live(draft):
        return None
    return draft


def draft_is_live(draft: Draft) -> bool:
    """Drafts expire after the retention period; a sent one stays reachable until purged."""
    days = app_state.get().questionnaire.meta.draft_retention_days
    return draft.submission_id is not None or draft.updated_at >= utcnow() - dt.timedelta(days=days)


def deleted_after(draft: Draft) -> dt.datetime:
    """When an unsent draft stops being live (UTC): the date the "saved" page gives."""
    days = app_state.get().questionnaire.meta.draft_retention_days
    return draft.updated_at + dt.timedelta(days=days)


def load_or_none() -> Context | None:
    if request.method in ("GET", "HEAD"):
        # Read without holding SQLite's write lock while the page renders; a GET that
        # writes goes through remember_position(), in a transaction of its own.
        with read_only():
            found = _draft_and_definition()
            app_state.db().commit()
    else:
        found = _draft_and_definition()
    if found is None:
        return None
    ctx = context_of(*found)
    g.client_ctx = ctx
    return ctx


def context_of(draft: Draft, q: Questionnaire) -> Context:
    """The draft with its questionnaire version, its state and their evaluation."""
    state = drafts.read_state(app_state.get().vault, draft)
    return Context(draft, q, state, evaluate(q, state.answers))


def answering_language(ctx: Context) -> str:
    """The language the client answered in (their last page of answers), which staff are
    told and the practice's copy of the summary is in; else the one on screen."""
    return ctx.state.language or ctx.q.language


def resume(draft: Draft):
    """Back to where the client was, through a support page they never acknowledged."""
    language = drafts.read_state(app_state.get().vault, draft).language
    if language:  # on another device too, the answers come back in the language given
        session["language"] = language
    try:
        q = app_state.definition(draft.definition_hash, language or None)
    except LookupError:
        return no_draft()
    return go_on(context_of(draft, q), RESUME)


def _draft_and_definition() -> tuple[Draft, Questionnaire] | None:
    """The client's draft and the questionnaire version it was started on, in one session."""
    draft = current_draft()
    if draft is None:
        return None
    try:
        return draft, app_state.definition(draft.definition_hash)
    except LookupError:
        return None


def remember_position(ctx: Context, **changes) -> None:
    """Record where the client is (`page`, `checking`) from a GET, on fresh state.

    The draft is read again inside the write transaction, so a POST from another tab
    that landed since this request read it is never overwritten.
    """
    db = app_state.db()
    db.refresh(ctx.draft)
    fresh = drafts.read_state(app_state.get().vault, ctx.draft)
    for name, value in changes.items():
        setattr(fresh, name, value)
        setattr(ctx.state, name, value)
    drafts.write_state(app_state.get().vault, ctx.draft, fresh)
    db.commit()


def remember(draft: Draft) -> None:
    clear_session()  # nothing of another client's draft stays; their language does
    session["draft"] = draft.id
    session.permanent = True
    mark_seen()


def mark_seen() -> None:
    """Note when this browser last asked for a client page (for the idle limit)."""
    if session.get("draft"):
        session["seen"] = int(time.time())


def idle_too_long() -> bool:
    seen = session.get("seen")
    if not session.get("draft") or seen is None:
        return False
    limit = current_app.config["CLIENT_IDLE_MINUTES"] * 60
    return time.time() - seen > limit


def save(ctx: Context) -> None:
    drafts.write_state(app_state.get().vault, ctx.draft, ctx.state)
    app_state.db().commit()


def no_store(body, status: int = 200):
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def no_draft():
    flash(
        _(
            "We could not find your answers in this browser. If you saved them, enter your "
            "resume code. Otherwise, you can start again."
        )
    )
    return redirect(url_for("client.resume"))


def expired_page():
    return no_store(render_template("errors/expired.html"), 400)


# -- pages ------------------------------------------------------------------------------
def form_data(ctx: Context, page_id: str) -> dict:
    """Stored answers of a page as the form expects them (option values as text)."""
    # the answers that count: one kept aside for a hidden follow-up is not shown
    return page_form_data(ctx.q.pages[page_id], ctx.evaluation.answers)


def page_form_data(page, answers: dict) -> dict:
    """A page's answers as its form expects them; the staff preview prefills with it too."""
    data = {}
    for question in page.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        data[question.id] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def render_page(ctx: Context, page_id: str, form, status: int = 200):
    page = ctx.q.pages[page_id]
    step, total = ctx.evaluation.progress(page_id)
    return no_store(
        render_template(
            "client/page.html",
            ctx=ctx,
            page=page,
            form=form,
            step=step,
            total=total,
            section=ctx.q.section(page.section_id),
            reveal=reveal_map(ctx.q, page_id),
            back=back_url(ctx, page_id),
        ),
        status,
    )


def post_page(ctx: Context, page_id: str, form):
    page = ctx.q.pages[page_id]
    pruned = prune_posted(ctx.evaluation.answers, page, form.posted_values(page))
    visible = [question.id for question in visible_on_page(ctx.q, page, pruned)]
    saving = "save" in request.form
    valid = form.validate_visible(visible)
    if saving:
        return _save_partial(ctx, page_id, form, visible)
    if not valid:
        return render_page(ctx, page_id, form, 400)
    evaluation = drafts.merge_page(ctx.q, ctx.state, page_id, _values(form, visible))
    if evaluation.errors:  # a cross-field limit among the shown questions
        for error in evaluation.errors:
            if error.question_id in form:
                form[error.question_id].errors = [error.message]
        return render_page(ctx, page_id, form, 400)
    for sentence in changes.notice(ctx.q, page_id, ctx.evaluation, evaluation):
        flash(sentence)
    ctx.evaluation = evaluation
    ctx.state.page = page_id
    ctx.state.language = ctx.q.language  # answers given in this language
    save(ctx)
    return go_on(ctx, NEXT)


def prune_posted(earlier: dict, page, posted: dict) -> dict:
    """Earlier answers plus the cleaned values posted on this page, for visibility."""
    answers = dict(earlier)
    for question in page.questions:
        value = posted.get(question.id)
        cleaned, error = clean(question, value)
        if cleaned is not None and not error:
            answers[question.id] = cleaned
        else:
            answers.pop(question.id, None)
    return answers


def _values(form, visible) -> dict:
    return {name: form[name].data for name in visible}


def _save_partial(ctx: Context, page_id: str, form, visible):
    """Save and finish later: keep whatever on this page is valid, then offer the code."""
    good = {name: form[name].data for name in visible if not form[name].errors}
    ctx.evaluation = drafts.merge_page(ctx.q, ctx.state, page_id, good)
    ctx.state.page = page_id
    ctx.state.language = ctx.q.language
    save(ctx)
    return go_on(ctx, SAVE)


def pending_interrupts(ctx: Context) -> list[str]:
    fired = [f.flag.id for f in ctx.evaluation.flags if f.flag.interrupt]
    return [fid for fid in fired if fid not in ctx.state.shown]


# -- the one way on after answers are stored ---------------------------------------------
#: Where a client may be going when the support page stops them (its `then` argument).
NEXT, SAVE, RESUME, RESULT = "next", "save", "resume", "result"
GOING = (NEXT, SAVE, RESUME, RESULT)


def go_on(ctx: Context, going: str):
    """Every exit after answers are stored or restored: support first, then on.

    A safety level the client has not yet been shown sends them to the support page,
    whichever button they pressed; its Continue then takes them where they were going.
    """
    if pending_interrupts(ctx):
        return redirect(support_url(ctx, going))
    return redirect(destination(ctx, going))


def support_url(ctx: Context, going: str) -> str:
    return page_url(ctx, SUPPORT) if going == NEXT else page_url(ctx, SUPPORT, then=going)


def going_from(args) -> str:
    """The support page's `then` argument, read against the known exits only."""
    going = args.get("then", NEXT)
    return going if going in GOING else NEXT


def destination(ctx: Context, going: str) -> str:
    """Where `going` leads once no support page is pending."""
    if going == SAVE:
        return url_for("client.save")
    if going == RESUME:
        return resume_url(ctx.draft, ctx.state)
    if going == RESULT:
        return url_for("client.result")
    return next_url(ctx, ctx.state.page)


def support_or(ctx: Context, going: str) -> str:
    """Back from the call-back form: the support page it came from, or the result."""
    return url_for("client.result") if going == RESULT else support_url(ctx, going)


def acknowledge_support(ctx: Context) -> None:
    """The client has seen the support page for every level raised so far."""
    ctx.state.shown = list(dict.fromkeys(ctx.state.shown + pending_interrupts(ctx)))


def next_url(ctx: Context, page_id: str | None) -> str:
    """Where to go after `page_id`: the next page that applies, or check answers."""
    pages = list(ctx.evaluation.visible_pages)
    if ctx.state.checking:
        missing = first_incomplete_page(ctx)
        return page_url(ctx, missing) if missing else url_for("client.check")
    if page_id in pages and pages.index(page_id) + 1 < len(pages):
        return page_url(ctx, pages[pages.index(page_id) + 1])
    if page_id is None or page_id not in pages:
        missing = first_incomplete_page(ctx)
        if missing:
            return page_url(ctx, missing)
    return url_for("client.check")


def back_url(ctx: Context, page_id: str) -> str:
    pages = list(ctx.evaluation.visible_pages)
    if ctx.state.checking:
        return url_for("client.check")
    if page_id in pages and pages.index(page_id) > 0:
        return page_url(ctx, pages[pages.index(page_id) - 1])
    return url_for("client.landing")


def resume_url(draft: Draft, state: drafts.DraftState) -> str:
    """Where the client was: check answers, a question page, or the start."""
    if state.page == "check":
        return url_for("client.check")
    if state.page:
        return address(draft, state.page)
    return url_for("client.landing")


def address(draft: Draft, page_id: str, **args) -> str:
    """The draft's own opaque address of a page (or of the support page, SUPPORT)."""
    return url_for("client.page", token=page_token(_secret(), draft.id, page_id), **args)


def page_url(ctx: Context, page_id: str, **args) -> str:
    return address(ctx.draft, page_id, **args)


def page_of(ctx: Context, token: str) -> str | None:
    """The page id (or SUPPORT) behind one of this draft's tokens."""
    return resolve(_secret(), ctx.draft.id, [*ctx.q.pages, SUPPORT], token)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def first_incomplete_page(ctx: Context) -> str | None:
    """The first page that applies and still has a required question unanswered."""
    answers = ctx.evaluation.answers
    for page_id in ctx.evaluation.visible_pages:
        for question in visible_on_page(ctx.q, ctx.q.pages[page_id], answers):
            if question.required and question.id not in answers:
                return page_id
    return None


@dataclass(frozen=True)
class Reveal:
    """Follow-ups revealed by a choice on the same page (the conditional-reveal pattern)."""

    #: parent question id → [(follow-up question, values that reveal it, their labels)]
    by_parent: dict
    #: ids of every follow-up, rendered under its parent rather than in page order
    children: frozenset


@functools.lru_cache(maxsize=512)
def reveal_map(q: Questionnaire, page_id: str) -> Reveal:
    """Built once per page: which follow-ups open under which choice."""
    page = q.pages[page_id]
    on_page = {question.id for question in page.questions}
    by_parent: dict = {}
    for question in page.questions:
        cond = question.show_if
        if cond is None or cond.kind != "q" or cond.ref not in on_page:
            continue
        if cond.op in ("is", "includes"):
            values = (cond.value,)
        elif cond.op in ("in", "includes_any"):
            values = tuple(cond.value)
        else:
            continue
        parent = q.questions[cond.ref]
        by_parent.setdefault(cond.ref, []).append(
            (question, tuple(str(v) for v in values), tuple(parent.display(v) for v in values))
        )
    children = frozenset(child.id for items in by_parent.values() for child, _, _ in items)
    return Reveal(by_parent, children)


def summary_rows(ctx: Context) -> list:
    """[(section, [(page_id, question, answer text)])] for check answers."""
    rows = []
    answers = ctx.evaluation.answers
    for section in ctx.q.sections:
        items = []
        for page in section.pages:
            if page.id not in ctx.evaluation.visible_pages:
                continue
            for question in visible_on_page(ctx.q, page, answers):
                items.append((page.id, question, question.display(answers.get(question.id))))
        if items:
            rows.append((section, items))
    return rows


def submission_of(ctx: Context) -> Submission | None:
    if not ctx.draft.submission_id:
        return None
    return app_state.db().get(Submission, ctx.draft.submission_id)


def is_sent(ctx: Context) -> bool:
    """Sent with Send (a call-back request alone leaves the answers open to change)."""
    submission = submission_of(ctx)
    return submission is not None and submission.sent


def audit_client_delete(reference: str) -> None:
    if reference:
        app_state.db().add(
            AuditEntry(
                actor="client",
                action="client_deleted",
                reference=reference,
                ip=request.remote_addr or "",
            )
        )


def pdf_response(ctx: Context):
    from ..pdf import SummaryMeta, render_summary

    submission = submission_of(ctx) if ctx.draft.submission_id else None
    meta = SummaryMeta(
        reference=submission.reference if submission else None,
        created_at=submission.created_at if submission else ctx.draft.updated_at,
    )
    language = ctx.q.language
    body = render_summary(
        ctx.evaluation, ctx.q, meta, translations=translations(language), locale=language
    )
    # translators: a file name: lower case, no spaces or accents
    name = _("kap-prescreen-summary-%(reference)s.pdf") % {
        # translators: part of a file name: lower case, no spaces or accents
        "reference": submission.reference if submission else _("not-sent")
    }
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
