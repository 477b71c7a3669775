"""The peer: a hand-written Flask-WTF page with the same ten fields as the phq9 page.

It is what one would write without a questionnaire engine: a FlaskForm class with ten radio
fields, CSRF, a signed session cookie, the saved answers filled in, and a Jinja template
with the same markup shape (fieldset, legend, radios, hints, error summary, progress).
"""

from __future__ import annotations

import secrets

from flask import Flask, render_template, session
from flask_wtf import FlaskForm
from wtforms import RadioField

FREQ = [
    ("0", "Not at all"),
    ("1", "Several days"),
    ("2", "More than half the days"),
    ("3", "Nearly every day"),
]
ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
DIFFICULTY = [
    ("not_difficult", "Not difficult at all"),
    ("somewhat", "Somewhat difficult"),
    ("very", "Very difficult"),
    ("extremely", "Extremely difficult"),
]


class Phq9Form(FlaskForm):
    phq9_1 = RadioField(ITEMS[0], choices=FREQ)
    phq9_2 = RadioField(ITEMS[1], choices=FREQ)
    phq9_3 = RadioField(ITEMS[2], choices=FREQ)
    phq9_4 = RadioField(ITEMS[3], choices=FREQ)
    phq9_5 = RadioField(ITEMS[4], choices=FREQ)
    phq9_6 = RadioField(ITEMS[5], choices=FREQ)
    phq9_7 = RadioField(ITEMS[6], choices=FREQ)
    phq9_8 = RadioField(ITEMS[7], choices=FREQ)
    phq9_9 = RadioField(ITEMS[8], choices=FREQ)
    phq9_difficulty = RadioField(
        "If you checked off any problems, how difficult have these problems made it for you "
        "to do your work, take care of things at home, or get along with other people?",
        choices=DIFFICULTY,
    )


app = Flask(__name__)
app.config.update(SECRET_KEY=secrets.token_urlsafe(32), WTF_CSRF_TIME_LIMIT=8 * 3600)

SAVED = {f"phq9_{i}": "1" for i in range(1, 10)} | {"phq9_difficulty": "somewhat"}


@app.get("/q/phq9")
def phq9():
    session.permanent = True
    session.setdefault("draft", secrets.token_urlsafe(24))
    form = Phq9Form(formdata=None, data=SAVED)
    response = app.make_response(render_template("peer_page.html", form=form, step=9, total=21))
    response.headers["Cache-Control"] = "no-store"
    return response
