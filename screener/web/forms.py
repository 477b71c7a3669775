"""Question type → WTForms field; one FlaskForm class per page, built once and cached."""

from __future__ import annotations

from functools import lru_cache

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
        return f"Select all that apply for {name}, or the option for none"
    if question.type == "yesno":
        return f"Select yes or no for {name}"
    if question.is_choice:
        return f"Select an answer for {name}"
    if question.is_numeric:
        return f"Enter a number for {name}"
    if question.type == "date":
        return f"Enter a date for {name}"
    return f"Enter an answer for {name}"


#: a label longer than this is not repeated in its error: it is read twice on the page
LABEL_IN_ERROR_MAX = 60


def _short_name(question: Question) -> str:
    """How an error names its question: the `short` label, a short label, or "this question"."""
    if question.short:
        return question.short
    label = question.label.rstrip("?.:")
    if len(label) > LABEL_IN_ERROR_MAX:
        return "this question"
    return f"\u201c{label}\u201d"


def friendly(question: Question, code: str) -> str:
    """GOV.UK-style error text for an answer that does not fit."""
    if code == "ANS003":
        low = _fmt(question.min.number if question.min else None)
        high = _fmt(question.max.number if question.max else None)
        return f"Enter a number between {low} and {high}"
    if code == "ANS004" and question.is_numeric:
        whole = "whole " if question.type == "integer" else ""
        return f"Enter a {whole}number using the digits 0 to 9, like 3"
    if code == "ANS004" and question.type == "date":
        return "Enter a real date"
    if code == "ANS007":
        return f"Use {question.max_length or 5000} characters or fewer"
    if code == "ANS006":
        return exclusive_message(question)
    return "Select one of the answers shown"


def exclusive_message(question: Question) -> str:
    """Names only the options of this question that cannot be ticked with others."""
    names = [f"\u201c{o.label}\u201d" for o in question.options if o.value in question.exclusive]
    if not names:
        return "Untick the answers that cannot go together"
    return f"{' or '.join(names)} cannot be ticked with other answers; untick one of them"


def _fmt(number) -> str:
    if number is None:
        return "any"
    return str(int(number)) if float(number).is_integer() else str(number)


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
    message="Enter a phone number, like (303) 555 0142",
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
            InputRequired("Enter your name"),
            Length(max=120, message="Use 120 characters or fewer"),
        ],
    )
    method = LenientRadioField(
        "How should we contact you?",
        choices=[SelectChoice("email", "Email"), SelectChoice("phone", "Phone")],
        validators=[
            InputRequired("Select how we should contact you"),
            AnyOf(("email", "phone"), message="Select how we should contact you"),
        ],
    )
    email = StringField(
        "Email address",
        validators=[
            RequiredWhenChosen("email", "Enter your email address"),
            Length(max=254),
            Email("Enter an email address in the right format, like name@example.com"),
        ],
    )
    phone = StringField(
        "Phone number",
        validators=[
            RequiredWhenChosen("phone", "Enter your phone number"),
            PHONE,
        ],
    )
    time = StringField(
        "When is a good time to reach you? (optional)",
        validators=[Optional(), Length(max=200, message="Use 200 characters or fewer")],
    )
    voicemail = LenientRadioField(
        "If we phone and you do not answer, can we leave a voicemail? (optional)",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, please do not")],
        validators=[Optional(), AnyOf(("yes", "no"), message="Select yes or no")],
    )
    consent = BooleanField(
        "I agree to share this summary and my contact details with the practice",
        # DataRequired, not InputRequired: a posted "false" is input, but no agreement
        validators=[DataRequired("Tick the box to agree to share your summary, or go back")],
    )


class CallbackForm(FlaskForm):
    """ "Ask the practice to call me": a phone number and consent; nothing else required."""

    first_name = StringField(
        "Your first name (optional)",
        validators=[Optional(), Length(max=60, message="Use 60 characters or fewer")],
    )
    phone = StringField(
        "Phone number",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired("Enter your phone number"), PHONE],
    )
    time = StringField(
        "A safe time to call you (optional)",
        validators=[Optional(), Length(max=200, message="Use 200 characters or fewer")],
    )
    voicemail = LenientRadioField(
        "Can we leave a voicemail if you don't answer? (optional)",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, please don't")],
        validators=[Optional(), AnyOf(["yes", "no"], message="Choose yes or no")],
    )
    consent = BooleanField(
        "I agree to share my answers so far and my phone number with the practice",
        # DataRequired: a posted "false" is input, but no agreement
        validators=[DataRequired("Tick the box to agree, or go back: you do not have to do this")],
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
        validators=[InputRequired("Enter the resume code you were given"), Length(max=64)],
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
