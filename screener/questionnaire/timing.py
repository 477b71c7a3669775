"""An honest time estimate: the words a client reads plus the questions they answer.

Counted over the pages an adult is asked when every follow-up opens (the longest
journey), so the landing page never promises less time than it can take.
"""

from __future__ import annotations

import math
import re

from .definition import Page, Questionnaire
from .progress import expected_pages

#: a relaxed reading pace for health questions on a phone (words per minute)
WORDS_PER_MINUTE = 180
#: choosing an answer once the question is read (seconds); typing takes longer
SECONDS_PER_ANSWER = {"longtext": 45, "text": 20}
SECONDS_PER_CHOICE = 4
WORD = re.compile(r"\w+")


def words_on(page: Page) -> int:
    texts = [page.title, page.intro]
    for question in page.questions:
        texts += [question.label, question.hint]
        texts += [t for option in question.options for t in (option.label, option.hint)]
    return sum(len(WORD.findall(text or "")) for text in texts)


def seconds_to_answer(page: Page) -> int:
    return sum(SECONDS_PER_ANSWER.get(q.type, SECONDS_PER_CHOICE) for q in page.questions)


def estimated_minutes(q: Questionnaire, adult_age: int = 40) -> int:
    """Minutes for the longest adult journey, rounded up to the next 5."""
    pages = [q.pages[page_id] for page_id in expected_pages(q, {"age": adult_age})]
    words = sum(words_on(page) for page in pages)
    seconds = words / WORDS_PER_MINUTE * 60 + sum(seconds_to_answer(page) for page in pages)
    return max(5, 5 * math.ceil(seconds / 60 / 5))
