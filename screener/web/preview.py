"""The staff preview (admins only): walk the client pages as a client sees them, prefilled
with an example's answers or blank, with what the engine sees beside each page.

Nothing is written: no draft, no submission, no audit entry. The answers given so far
travel in a signed hidden field of each step's form (never in a URL, a log or the
database), and each step is a POST that renders the next page. A candidate
questions.yaml (preview_files.py) can be walked the same way; it is never made live.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..authoring.preview import engine_view
from ..i18n import read_in
from ..questionnaire import Questionnaire, evaluate, visible_on_page
from ..questionnaire.translations import LANGUAGE_NAMES
from ..store import drafts
from ..store.queries import parse_int
from . import preview_files
from .content import bp
from .forms import ConfirmForm, UploadForm, page_form_class
from .journey import page_form_data, prune_posted, reveal_map
from .page_tokens import SUPPORT

SALT = "kap-staff-preview"
MAX_AGE = 8 * 3600  # a long walk through the file must not expire
END = ":end"


@dataclass
class Walk:
    """Where a preview is and what has been answered so far."""

    source: str
    #: the example's index in the file, or -1 for blank answers
    example: int = -1
    answers: dict = field(default_factory=dict)
    shown: list = field(default_factory=list)
    page: str = ""
    #: on the support page: the page that raised it
    after: str = ""
    #: the language of the file's texts ("": its first); the staff interface stays English
    language: str = ""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def dump(walk: Walk) -> str:
    return _serializer().dumps(asdict(walk))


def load(source: str) -> Walk | None:
    try:
        raw = _serializer().loads(request.form.get("walk", ""), max_age=MAX_AGE)
        walk = Walk(**raw)
    except (BadSignature, TypeError):
        return None
    return walk if walk.source == source else None


# -- which questionnaire -----------------------------------------------------------------
def questionnaire(source: str, language: str = "") -> Questionnaire | None:
    """The file previewed, with its texts in `language` when it has them."""
    if source == "live":
        from . import app_state

        return app_state.get().live(language)
    if source != "candidate":
        abort(404)
    q = preview_files.current()
    return q if q is None else read_in(q, language)


def example_answers(q: Questionnaire, walk: Walk) -> dict:
    return dict(q.examples[walk.example].answers) if 0 <= walk.example < len(q.examples) else {}


# -- views -----------------------------------------------------------------------------------
@bp.get("/preview")
def preview():
    return _list_with(UploadForm())


@bp.post("/preview/upload")
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return make_response(_list_with(form), 400)
    report = preview_files.store(form.questions.data)
    if not report.ok:
        return make_response(_list_with(form, report), 400)
    flash("The candidate file was checked and is ready to preview. It is not live.")
    return redirect(url_for(".preview", _anchor="candidate"), code=303)


def _list_with(form, report=None):
    return render_template(
        "staff/content/preview_list.html",
        live=questionnaire("live"),
        candidate=preview_files.current(),
        candidate_report=preview_files.current_report(),
        report=report,
        form=form,
        language_names=LANGUAGE_NAMES,
    )


@bp.get("/preview/<source>/start")
def start(source):
    language = request.args.get("language", "")
    q = questionnaire(source, language) or _gone()
    example = request.args.get("example", "-1")
    walk = Walk(source, parse_int(example, -1), language=q.language)
    if walk.example >= len(q.examples):
        abort(404)
    first = evaluate(q, {}).visible_pages[0]
    walk.page = first
    return render_step(q, walk, prefilled_form(q, walk, first))


@bp.post("/preview/<source>/step")
def step(source):
    walk = load(source)
    q = questionnaire(source, walk.language) if walk is not None else None
    if walk is None or q is None:
        flash("That preview step has expired or was changed. Start the preview again.")
        return redirect(url_for(".preview"), code=303)
    if request.form.get("action") == "back":
        return _go(q, walk, _previous(q, walk))
    if walk.page == SUPPORT:
        return _after_support(q, walk)
    return _answer_page(q, walk)


def _gone():
    flash("The candidate file is no longer kept (previews last a few hours). Upload it again.")
    abort(redirect(url_for(".preview"), code=303))


def _answer_page(q: Questionnaire, walk: Walk):
    page = q.pages[walk.page]
    form = page_form_class(q, page.id)()
    pruned = prune_posted(evaluate(q, walk.answers).answers, page, form.posted_values(page))
    visible = [question.id for question in visible_on_page(q, page, pruned)]
    if not form.validate_visible(visible):
        return render_step(q, walk, form, 400)
    state = drafts.DraftState(answers=dict(walk.answers))
    evaluation = drafts.merge_page(q, state, page.id, {n: form[n].data for n in visible})
    if evaluation.errors:  # a cross-field limit among the shown questions
        for error in evaluation.errors:
            if error.question_id in form:
                form[error.question_id].errors = [error.message]
        return render_step(q, walk, form, 400)
    walk.answers = state.answers
    if [f for f in evaluation.interrupt if f not in walk.shown]:
        walk.after, walk.page = page.id, SUPPORT
        return render_support(q, walk)
    return _go(q, walk, _next(q, walk, page.id))


def _after_support(q: Questionnaire, walk: Walk):
    fired = [f.flag.id for f in evaluate(q, walk.answers).flags if f.flag.interrupt]
    walk.shown = list(dict.fromkeys(walk.shown + fired))
    return _go(q, walk, _next(q, walk, walk.after))


def _go(q: Questionnaire, walk: Walk, page_id: str):
    walk.page = page_id
    if page_id == END:
        return render_end(q, walk)
    return render_step(q, walk, prefilled_form(q, walk, page_id))


def _next(q: Questionnaire, walk: Walk, page_id: str) -> str:
    pages = list(evaluate(q, walk.answers).visible_pages)
    if page_id in pages and pages.index(page_id) + 1 < len(pages):
        return pages[pages.index(page_id) + 1]
    return END


def _previous(q: Questionnaire, walk: Walk) -> str:
    """Back: from the support page to the page that raised it, else the page before."""
    pages = list(evaluate(q, walk.answers).visible_pages)
    if walk.page == SUPPORT:
        return walk.after
    if walk.page == END or walk.page not in pages:
        return pages[-1]
    return pages[max(pages.index(walk.page) - 1, 0)]


def prefilled_form(q: Questionnaire, walk: Walk, page_id: str):
    """The page's form with the answers given so far, else the example's."""
    answers = {**example_answers(q, walk), **walk.answers}
    page = q.pages[page_id]
    return page_form_class(q, page_id)(formdata=None, data=page_form_data(page, answers))


# -- rendering --------------------------------------------------------------------------------
def _common(q: Questionnaire, walk: Walk, page_id: str | None) -> dict:
    evaluation = evaluate(q, walk.answers)
    name = q.examples[walk.example].name if 0 <= walk.example < len(q.examples) else ""
    return {
        "q": q,
        "walk": walk,
        "walk_state": dump(walk),
        "example_name": name or "blank answers",
        "panel": engine_view(q, evaluation, page_id),
        "step_url": url_for(".step", source=walk.source),
        "ev": evaluation,
    }


def render_step(q: Questionnaire, walk: Walk, form, status: int = 200):
    page = q.pages[walk.page]
    context = _common(q, walk, page.id)
    step_number, total = context["ev"].progress(page.id)
    body = render_template(
        "staff/content/preview_page.html",
        page=page,
        form=form,
        step=step_number,
        total=total,
        section=q.section(page.section_id),
        reveal=reveal_map(q, page.id),
        page_url=lambda _page_id, **_args: context["step_url"],
        **context,
    )
    return make_response(body, status)


def render_support(q: Questionnaire, walk: Walk):
    context = _common(q, walk, walk.after)
    fired = [f for f in context["ev"].flags if f.flag.interrupt and f.flag.id not in walk.shown]
    flags = [f.flag for f in fired]
    return render_template(
        "staff/content/preview_support.html",
        flags=flags,
        form=ConfirmForm(),
        high_risk=any(f.id == "safety_urgent" for f in flags),
        young=context["ev"].young,
        **context,
    )


def render_end(q: Questionnaire, walk: Walk):
    return render_template("staff/content/preview_end.html", sent=None, **_common(q, walk, None))
