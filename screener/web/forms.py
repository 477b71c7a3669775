"""Question type → WTForms field; one FlaskForm class per page, built once and cached."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)

from ..questionnaire import Page, Question, Questionnaire, clean
from . import language


class AnswerFits:
    """Validator: the answer fits its question (options, range, length), in plain words."""

    def __init__(self, question: Question):
        self.question = question

    def __call__(self, form, field: Field):
        raw = field.data
        if raw in (None, "", []):
            if self.question.required:
                raise ValidationError(required_message(self.question))
            return
        _value, error = clean(self.question, raw)
        if error:
            raise ValidationError(friendly(self.question, error.code))


def required_message(question: Question) -> str:
    """Short and specific, GOV.UK style: the question's `error`, else built from `short`."""
    if question.error:
        return question.error
    name = _short_name(question)
    if question.type == "multiple":
        return _("Select all that apply for %(name)s, or the option for none", name=name)
    if question.type == "yesno":
        return _("Select yes or no for %(name)s", name=name)
    if question.is_choice:
        return _("Select an answer for %(name)s", name=name)
    if question.is_numeric:
        return _("Enter a number for %(name)s", name=name)
    if question.type == "date":
        return _("Enter a date for %(name)s", name=name)
    return _("Enter an answer for %(name)s", name=name)


#: a label longer than this is not repeated in its error: it is read twice on the page
LABEL_IN_ERROR_MAX = 60


def _short_name(question: Question) -> str:
    """How an error names its question: the `short` label, a short label, or "this question"."""
    if question.short:
        return question.short
    label = question.label
    if not label.startswith(("¿", "¡")):  # a Spanish question keeps both its marks
        label = label.rstrip("?.:!")
    if len(label) > LABEL_IN_ERROR_MAX:
        return _("this question")
    return _("\u201c%(name)s\u201d", name=label)


def friendly(question: Question, code: str) -> str:
    """GOV.UK-style error text for an answer that does not fit."""
    if code == "ANS003":
        low = _fmt(question.min.number if question.min else None)
        high = _fmt(question.max.number if question.max else None)
        return _("Enter a number between %(low)s and %(high)s", low=low, high=high)
    if code == "ANS004" and question.type == "integer":
        return _("Enter a whole number using the digits 0 to 9, like 3")
    if code == "ANS004" and question.is_numeric:
        return _("Enter a number using the digits 0 to 9, like 3")
    if code == "ANS004" and question.type == "date":
        return _("Enter a real date")
    if code == "ANS007":
        return _("Use %(count)s characters or fewer", count=question.max_length or 5000)
    if code == "ANS006":
        return exclusive_message(question)
    return _("Select one of the answers shown")


def exclusive_message(question: Question) -> str:
    """Names only the options of this question that cannot be ticked with others."""
    names = [
        _("\u201c%(name)s\u201d", name=o.label)
        for o in question.options
        if o.value in question.exclusive
    ]
    if not names:
        return _("Untick the answers that cannot go together")
    return _(
        "%(options)s cannot be ticked with other answers; untick one of them",
        options=_(" or ").join(names),
    )


def _fmt(number) -> str:
    if number is None:
        return _("any")
    return language.decimal(number)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; we render them ourselves, WTForms only reads and validates."""

    def pre_validate(self, form):
        pass  # AnswerFits checks the values with the definition's rules


class LenientRadioField(RadioField):
    def pre_validate(self, form):
        pass  # AnswerFits gives the plain-words message instead of "Not a valid choice"


def make_field(question: Question) -> Field:
    validators = [AnswerFits(question)]
    label = question.label
    if question.type in ("yesno", "single"):
        choices = [SelectChoice(str(o.value), o.label) for o in question.options]
        return LenientRadioField(label, choices=choices, validators=validators)
    if question.type == "multiple":
        choices = [SelectChoice(str(o.value), o.label) for o in question.options]
        return MultiCheckboxField(label, choices=choices, validators=validators)
    if question.type == "longtext":
        return TextAreaField(label, validators=validators)
    return StringField(label, validators=validators)


@lru_cache(maxsize=512)
def page_form_class(q: Questionnaire, page_id: str) -> type[FlaskForm]:
    """One FlaskForm subclass per page of a questionnaire version, generated once."""
    page: Page = q.pages[page_id]
    attrs = {question.id: make_field(question) for question in page.questions}
    return type(f"PageForm_{page_id}", (PageForm,), attrs)


class PageForm(FlaskForm):
    """A question page. Only the questions shown for these answers are validated."""

    def validate_visible(self, visible_ids) -> bool:
        ok = True
        if self.meta.csrf and not self._fields["csrf_token"].validate(self):
            ok = False
        for name in visible_ids:
            field = self._fields[name]
            if not field.validate(self):
                ok = False
        return ok

    def posted_values(self, page: Page) -> dict:
        """The raw posted answers of the page, keyed by question id."""
        return {question.id: self._fields[question.id].data for question in page.questions}


#: at least 7 digits, among spaces, brackets, dots, dashes and a plus
PHONE = Regexp(
    r"^(?=(?:\D*\d){7})[0-9 ()+.\-]{7,25}$",
    message=_l("Enter a phone number, like (303) 555 0142"),
)


class RequiredWhenChosen:
    """Validator: required (not blank) when the contact method is `method`, else optional."""

    def __init__(self, method: str, message: str):
        self.method = method
        self.message = message

    def __call__(self, form, field: Field):
        if (field.data or "").strip():
            return
        if form.method.data == self.method:
            raise StopValidation(self.message)
        field.errors[:] = []
        raise StopValidation()  # blank and not chosen: nothing else to check


class ContactForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[
            InputRequired(_l("Enter your name")),
            Length(max=120, message=_l("Use 120 characters or fewer")),
        ],
    )
    method = LenientRadioField(
        "How should we contact you?",
        choices=[SelectChoice("email", "Email"), SelectChoice("phone", "Phone")],
        validators=[
            InputRequired(_l("Select how we should contact you")),
            AnyOf(("email", "phone"), message=_l("Select how we should contact you")),
        ],
    )
    email = StringField(
        "Email address",
        validators=[
            RequiredWhenChosen("email", _l("Enter your email address")),
            Length(max=254),
            Email(_l("Enter an email address in the right format, like name@example.com")),
        ],
    )
    phone = StringField(
        "Phone number",
        validators=[
            RequiredWhenChosen("phone", _l("Enter your phone number")),
            PHONE,
        ],
    )
    time = StringField(
        "When is a good time to reach you? (optional)",
        validators=[Optional(), Length(max=200, message=_l("Use 200 characters or fewer"))],
    )
    voicemail = LenientRadioField(
        "If we phone and you do not answer, can we leave a voicemail? (optional)",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, please do not")],
        validators=[Optional(), AnyOf(("yes", "no"), message=_l("Select yes or no"))],
    )
    consent = BooleanField(
        "I agree to share this summary and my contact details with the practice",
        # DataRequired, not InputRequired: a posted "false" is input, but no agreement
        validators=[DataRequired(_l("Tick the box to agree to share your summary, or go back"))],
    )


class CallbackForm(FlaskForm):
    """ "Ask the practice to call me": a phone number and consent; nothing else required."""

    first_name = StringField(
        "Your first name (optional)",
        validators=[Optional(), Length(max=60, message=_l("Use 60 characters or fewer"))],
    )
    phone = StringField(
        "Phone number",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Enter your phone number")), PHONE],
    )
    time = StringField(
        "A safe time to call you (optional)",
        validators=[Optional(), Length(max=200, message=_l("Use 200 characters or fewer"))],
    )
    voicemail = LenientRadioField(
        "Can we leave a voicemail if you don't answer? (optional)",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, please don't")],
        validators=[Optional(), AnyOf(["yes", "no"], message=_l("Choose yes or no"))],
    )
    consent = BooleanField(
        "I agree to share my answers so far and my phone number with the practice",
        # DataRequired: a posted "false" is input, but no agreement
        validators=[
            DataRequired(_l("Tick the box to agree, or go back: you do not have to do this"))
        ],
    )

    def details(self) -> dict:
        return {
            "first_name": (self.first_name.data or "").strip(),
            "phone": (self.phone.data or "").strip(),
            "time": (self.time.data or "").strip(),
            "voicemail": self.voicemail.data or "",
        }


class ResumeForm(FlaskForm):
    code = StringField(
        "Resume code",
        validators=[InputRequired(_l("Enter the resume code you were given")), Length(max=64)],
    )


class ConfirmForm(FlaskForm):
    """A button with CSRF protection and nothing else."""


#: under the app's 256 KB request limit; questions.yaml is about 160 KB
PREVIEW_MAX_BYTES = 240 * 1024


class UploadForm(FlaskForm):
    """A candidate questions.yaml for the staff preview."""

    questions = FileField(
        "Candidate questions.yaml",
        validators=[
            FileRequired("Choose a questions.yaml file to upload"),
            FileSize(PREVIEW_MAX_BYTES, message="The file is larger than 240 KB"),
        ],
    )
