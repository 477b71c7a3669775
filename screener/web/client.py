"""The client's journey: landing, question pages, support, check answers, result, send."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..store import drafts, maintenance
from . import app_state, journey, language
from .forms import CallbackForm, ConfirmForm, ContactForm, ResumeForm, page_form_class
from .limits import (
    CHECK_LIMIT,
    DELETE_LIMIT,
    PAGE_LIMIT,
    PDF_LIMIT,
    RESUME_LIMIT,
    SAVE_LIMIT,
    SEND_LIMIT,
    START_LIMIT,
    failed,
    limiter,
    paused_message,
    per_draft,
    refusal_page,
)
from .page_tokens import SUPPORT

bp = Blueprint("client", __name__)


@bp.context_processor
def _client_globals() -> dict:
    return {"exit_url": current_app.config["EXIT_URL"]}


@bp.before_request
def _close_when_idle():
    """On a shared device, answers left open close after CLIENT_IDLE_MINUTES idle."""
    if journey.idle_too_long():
        language.clear_session()
        flash(
            _(
                "You were away for more than %(minutes)s minutes, so we closed your answers "
                "on this device to keep them private. If you saved them, enter your resume "
                "code to carry on.",
                minutes=language.decimal(current_app.config["CLIENT_IDLE_MINUTES"]),
            )
        )
        return redirect(url_for("client.resume"))
    journey.mark_seen()
    return None


@bp.get("/")
def landing():
    return render_template(
        "client/landing.html",
        form=ConfirmForm(),
        has_draft=journey.current_draft() is not None,
        minutes=journey.minutes_to_answer(app_state.live()),
    )


@bp.post("/start")
@limiter.limit(START_LIMIT)
def start():
    form = ConfirmForm()
    if not form.validate():
        return journey.expired_page()
    svc = app_state.get()
    draft = drafts.create_draft(app_state.db(), svc.vault, svc.questionnaire)
    app_state.db().commit()
    journey.remember(draft)
    return redirect(journey.address(draft, svc.questionnaire.page_list[0].id))


@bp.route("/q/<token>", methods=["GET", "POST"])
@limiter.limit(PAGE_LIMIT, key_func=per_draft, methods=["POST"])
def page(token):
    """A question page, or the support page, at the draft's opaque address (page_tokens)."""
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    page_id = journey.page_of(ctx, token)
    if page_id is None:
        abort(404)
    if page_id == SUPPORT:
        return support(ctx)
    if journey.is_sent(ctx):  # sent answers are frozen: the PDF and reference must match
        flash(
            _(
                "You have already sent these answers to the practice, so they can no longer "
                "be changed here. If something has changed, tell the practice when they "
                "contact you."
            )
        )
        return redirect(url_for(".result"))
    if page_id not in ctx.evaluation.visible_pages:
        flash(_("That question no longer applies to your answers, so we skipped it."))
        return redirect(journey.next_url(ctx, None))
    if request.args.get("change") and not ctx.state.checking:
        journey.remember_position(ctx, checking=True)  # come back to check answers after
    form_class = page_form_class(ctx.q, page_id)
    form = (
        form_class()
        if request.method == "POST"
        else form_class(formdata=None, data=journey.form_data(ctx, page_id))
    )
    if request.method == "POST":
        return journey.post_page(ctx, page_id, form)
    return journey.render_page(ctx, page_id, form)


def support(ctx):
    """Crisis resources straight after the page that raised a safety flag; never a dead end."""
    pending = journey.pending_interrupts(ctx)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        journey.acknowledge_support(ctx)
        journey.save(ctx)
        return redirect(journey.destination(ctx, journey.going_from(request.args)))
    flags = [ctx.q.flag(fid) for fid in pending] or [f.flag for f in ctx.evaluation.safety_flags]
    high_risk = any(f.id == "safety_urgent" for f in flags)
    return journey.no_store(
        render_template(
            "client/support.html",
            flags=flags,
            form=form,
            high_risk=high_risk,
            young=ctx.evaluation.young,
            going=journey.going_from(request.args),
        )
    )


@bp.route("/check", methods=["GET", "POST"])
@limiter.limit(CHECK_LIMIT, key_func=per_draft, methods=["POST"])
def check():
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        missing = journey.first_incomplete_page(ctx)
        if missing:
            flash(_("Please answer the questions on this page first."))
            return redirect(journey.page_url(ctx, missing))
        ctx.state.checking = False
        ctx.state.page = "check"
        journey.save(ctx)
        return journey.go_on(ctx, journey.RESULT)  # a support page never seen comes first
    if not ctx.state.checking or ctx.state.page != "check":
        # Remember that the client reached check answers: changes come back here, and
        # a resume code brings them back here too.
        journey.remember_position(ctx, checking=True, page="check")
    return journey.no_store(
        render_template(
            "client/check.html",
            ctx=ctx,
            form=form,
            rows=journey.summary_rows(ctx),
            sent=journey.is_sent(ctx),
        )
    )


@bp.get("/result")
def result():
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    if journey.first_incomplete_page(ctx):
        return redirect(url_for(".check"))
    return journey.no_store(
        render_template(
            "client/result.html",
            ctx=ctx,
            ev=ctx.evaluation,
            sent=journey.is_sent(ctx),
            submission=journey.submission_of(ctx),
        )
    )


@bp.route("/send", methods=["GET", "POST"])
@limiter.limit(SEND_LIMIT, key_func=per_draft, methods=["POST"])
def send():
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    if journey.is_sent(ctx):
        return redirect(url_for(".sent"))
    if journey.first_incomplete_page(ctx):
        return redirect(url_for(".check"))
    form = ContactForm()
    if form.validate_on_submit():
        contact = {
            "name": form.name.data.strip(),
            "method": form.method.data,
            "email": (form.email.data or "").strip() if form.method.data == "email" else "",
            "phone": (form.phone.data or "").strip() if form.method.data == "phone" else "",
            "time": (form.time.data or "").strip(),
            "voicemail": form.voicemail.data if form.voicemail.data in ("yes", "no") else "",
        }
        svc = app_state.get()
        try:
            drafts.submit(
                app_state.db(),
                svc.vault,
                ctx.draft,
                ctx.evaluation,
                contact,
                language=journey.answering_language(ctx),
            )
            drafts.forget_hidden(ctx.state, ctx.evaluation)  # answers set aside are not kept
            journey.save(ctx)
        except IntegrityError:  # the same draft was sent at this very moment: that one stands
            app_state.db().rollback()
        except LookupError:  # deleted from another tab at this very moment
            app_state.db().rollback()
            return journey.no_draft()
        return redirect(url_for(".sent"))
    return journey.no_store(
        render_template("client/send.html", form=form, ctx=ctx), status=400 if form.errors else 200
    )


@bp.route("/call-me", methods=["GET", "POST"])
@limiter.limit(SEND_LIMIT, key_func=per_draft, methods=["POST"])
def call_me():
    """ "Ask the practice to call me": an urgent submission at once, with the answers so far."""
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    going = journey.going_from(request.args)
    form = CallbackForm()
    if form.validate_on_submit():
        svc = app_state.get()
        try:
            drafts.submit(
                app_state.db(),
                svc.vault,
                ctx.draft,
                ctx.evaluation,
                callback=form.details(),
                language=journey.answering_language(ctx),
            )
            journey.acknowledge_support(ctx)  # they were on the support page or the result
            journey.save(ctx)
        except IntegrityError:  # a Send of the same draft at this very moment: ask again
            app_state.db().rollback()
            flash(
                _(
                    "Your answers were being sent at that same moment. Please press the "
                    "button again."
                )
            )
        except LookupError:  # deleted from another tab at this very moment
            app_state.db().rollback()
            return journey.no_draft()
        else:
            return redirect(url_for(".call_requested", then=going))
    return journey.no_store(
        render_template(
            "client/call_me.html", form=form, ctx=ctx, back=journey.support_or(ctx, going)
        ),
        status=400 if form.errors else 200,
    )


@bp.get("/call-me/requested")
def call_requested():
    ctx = journey.load_or_none()
    submission = journey.submission_of(ctx) if ctx else None
    if submission is None or not submission.callback_requested:
        return journey.no_draft() if ctx is None else redirect(url_for(".call_me"))
    going = journey.going_from(request.args)
    return journey.no_store(
        render_template(
            "client/call_requested.html",
            submission=submission,
            onwards=journey.destination(ctx, going),
            going=going,
        )
    )


@bp.get("/sent")
def sent():
    ctx = journey.load_or_none()
    if ctx is None or not ctx.draft.submission_id:
        return journey.no_draft()
    if not journey.is_sent(ctx):  # a call-back request alone is not a sent summary
        return redirect(url_for(".result"))
    submission = journey.submission_of(ctx)
    return journey.no_store(render_template("client/sent.html", submission=submission, ctx=ctx))


@bp.route("/save", methods=["GET", "POST"])
@limiter.limit(SAVE_LIMIT, key_func=per_draft, methods=["POST"])
def save():
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        replaced = ctx.draft.resume_hash is not None  # the earlier code stops working
        code = drafts.issue_resume_code(ctx.draft)
        journey.save(ctx)
        return journey.no_store(
            render_template(
                "client/saved.html",
                code=code,
                ctx=ctx,
                replaced=replaced,
                delete_on=journey.deleted_after(ctx.draft),
            )
        )
    return journey.no_store(render_template("client/save.html", form=form, ctx=ctx))


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit(RESUME_LIMIT, methods=["POST"], deduct_when=failed)
def resume():
    form = ResumeForm()
    if form.validate_on_submit():
        draft = drafts.find_by_code(app_state.db(), form.code.data)
        if draft is not None and journey.draft_is_live(draft):
            journey.remember(draft)
            return journey.resume(draft)
        form.code.errors.append(
            _(
                "That code was replaced when these answers were saved again. Enter the "
                "newest code you were given."
            )
            if drafts.code_was_replaced(app_state.db(), form.code.data)
            else _(
                "That code does not match a saved questionnaire. Check it and try again; "
                "codes stop working after the retention period."
            )
        )
    status = 400 if form.errors else 200
    return journey.no_store(render_template("client/resume.html", form=form), status=status)


@bp.route("/delete", methods=["GET", "POST"])
@limiter.limit(DELETE_LIMIT, key_func=per_draft, methods=["POST"])
def delete():
    ctx = journey.load_or_none()
    form = ConfirmForm()
    if ctx is None:
        return redirect(url_for(".resume", purpose="delete"))
    if request.method == "POST" and form.validate():
        for reference in drafts.delete_draft(app_state.db(), ctx.draft):
            journey.audit_client_delete(reference)
        app_state.db().commit()
        maintenance.after_delete(app_state.get().engine)  # no key left in the files
        language.clear_session()
        return journey.no_store(render_template("client/deleted.html"))
    return journey.no_store(render_template("client/delete.html", form=form, ctx=ctx))


@bp.post("/forget")
def forget():
    """Close the answers in this browser (a shared device); nothing is deleted."""
    if not ConfirmForm().validate():
        return journey.expired_page()
    language.clear_session()
    flash(_("This browser no longer has your answers. To carry on later, enter your resume code."))
    return redirect(url_for(".landing"))


# -- a refused post (rate limit): the page again, with what was typed and the wait ---------
@refusal_page("client.page")
def _page_refused(wait: str):
    ctx = journey.load_or_none()
    page_id = journey.page_of(ctx, request.view_args.get("token", "")) if ctx else None
    if page_id is None or page_id == SUPPORT or journey.is_sent(ctx):
        return None
    flash(paused_message(wait))
    return journey.render_page(ctx, page_id, page_form_class(ctx.q, page_id)(), 429)


@refusal_page("client.send")
def _send_refused(wait: str):
    ctx = journey.load_or_none()
    if ctx is None:
        return None
    flash(paused_message(wait))
    return journey.no_store(
        render_template("client/send.html", form=ContactForm(), ctx=ctx), status=429
    )


@refusal_page("client.resume")
def _resume_refused(wait: str):
    flash(paused_message(wait))
    return journey.no_store(render_template("client/resume.html", form=ResumeForm()), 429)


@bp.get("/privacy")
def privacy():
    return render_template("client/privacy.html")


@bp.get("/about-kap")
def about_kap():
    """The PDF's "About KAP at this practice" section, as a page of its own."""
    return render_template("client/about_kap.html")


@bp.get("/help-now")
def help_now():
    return render_template("client/help_now.html")


@bp.get("/summary.pdf")
@limiter.limit(PDF_LIMIT, key_func=per_draft)
def summary_pdf():
    ctx = journey.load_or_none()
    if ctx is None:
        return journey.no_draft()
    if journey.first_incomplete_page(ctx):
        return redirect(url_for(".check"))
    return journey.pdf_response(ctx)
