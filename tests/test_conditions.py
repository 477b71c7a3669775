"""Truth tables for every condition operator, combinations, scores, flags and evidence."""

from __future__ import annotations

import pytest

from screener.questionnaire import Condition
from screener.questionnaire.conditions import Facts, check, holds


def q(ref, op, value=None):
    return Condition("q", ref=ref, op=op, value=value)


def facts(**answers):
    return Facts(answers=answers)


UNANSWERED = (None, "", [])


@pytest.mark.parametrize(
    ("op", "operand", "answer", "expected"),
    [
        ("is", "yes", "yes", True),
        ("is", "yes", "no", False),
        ("is", 2, 2, True),
        ("is", 2, 3, False),
        ("is_not", "yes", "no", True),
        ("is_not", "yes", "yes", False),
        ("in", ("a", "b"), "a", True),
        ("in", ("a", "b"), "c", False),
        ("includes", "bipolar", ["bipolar", "psychosis"], True),
        ("includes", "bipolar", ["psychosis"], False),
        ("includes", "bipolar", "bipolar", False),  # not a multiple answer
        ("includes_any", ("a", "b"), ["c", "b"], True),
        ("includes_any", ("a", "b"), ["c"], False),
        ("at_least", 18, 18, True),
        ("at_least", 18, 17, False),
        ("at_least", 18, 18.5, True),
        ("at_most", 4, 4, True),
        ("at_most", 4, 5, False),
        ("less_than", 18, 17, True),
        ("less_than", 18, 18, False),
        ("more_than", 2, 3, True),
        ("more_than", 2, 2, False),
        ("at_least", 1, 0, False),
        ("at_least", 0, 0, True),
        ("at_least", 1, "prefer_not_to_say", False),  # a choice without a number
        ("at_least", 1, True, False),  # booleans are not numbers
    ],
)
def test_operator_truth_table(op, operand, answer, expected):
    assert holds(q("x", op, operand), facts(x=answer)) is expected


@pytest.mark.parametrize(
    "op,operand",
    [
        ("is", "yes"),
        ("is_not", "yes"),
        ("in", ("a",)),
        ("includes", "a"),
        ("includes_any", ("a",)),
        ("at_least", 0),
        ("at_most", 10),
        ("less_than", 10),
        ("more_than", -1),
    ],
)
@pytest.mark.parametrize("answer", UNANSWERED)
def test_unanswered_is_false_for_every_operator(op, operand, answer):
    assert holds(q("x", op, operand), facts(x=answer)) is False
    assert holds(q("x", op, operand), facts()) is False


@pytest.mark.parametrize("op,operand", [("is", "yes"), ("is_not", "yes"), ("at_least", 0)])
def test_not_of_unanswered_is_true(op, operand):
    assert holds(Condition("not", children=(q("x", op, operand),)), facts()) is True


@pytest.mark.parametrize(
    ("answer", "answered"),
    [
        ("yes", True),
        (0, True),
        (["a"], True),
        ("text", True),
        (None, False),
        ("", False),
        ([], False),
    ],
)
def test_answered_true_and_false(answer, answered):
    assert holds(q("x", "answered", True), facts(x=answer)) is answered
    assert holds(q("x", "answered", False), facts(x=answer)) is not answered


def test_answered_false_when_the_question_is_absent():
    assert holds(q("x", "answered", False), facts()) is True
    assert holds(q("x", "answered", True), facts()) is False


def test_zero_counts_as_an_answer():
    assert holds(q("x", "is", 0), facts(x=0))
    assert holds(q("x", "at_most", 0), facts(x=0))


YES = q("a", "is", "yes")
NO = q("a", "is", "no")


@pytest.mark.parametrize(
    ("children", "all_", "any_"),
    [
        ((YES, YES), True, True),
        ((YES, NO), False, True),
        ((NO, NO), False, False),
        ((YES,), True, True),
    ],
)
def test_all_and_any(children, all_, any_):
    f = facts(a="yes")
    assert holds(Condition("all", children=children), f) is all_
    assert holds(Condition("any", children=children), f) is any_


def test_nesting_all_any_not():
    cond = Condition(
        "all",
        children=(
            q("age", "at_least", 18),
            Condition(
                "any",
                children=(
                    q("dx", "includes", "bipolar"),
                    Condition("not", children=(q("med", "is", "yes"),)),
                ),
            ),
        ),
    )
    assert holds(cond, facts(age=30, dx=["bipolar"], med="yes"))
    assert holds(cond, facts(age=30, dx=[], med="no"))
    assert holds(cond, facts(age=30))  # med unanswered: not(false) is true
    assert not holds(cond, facts(age=30, dx=["other"], med="yes"))
    assert not holds(cond, facts(age=17, dx=["bipolar"]))


def test_double_not():
    cond = Condition("not", children=(Condition("not", children=(YES,)),))
    assert holds(cond, facts(a="yes"))
    assert not holds(cond, facts())


def test_missing_condition_always_holds():
    assert holds(None, facts())


@pytest.mark.parametrize(
    ("op", "operand", "value", "expected"),
    [
        ("at_least", 10, 10, True),
        ("at_least", 10, 9, False),
        ("at_most", 4, 4, True),
        ("at_most", 4, 5, False),
        ("less_than", 3, 2, True),
        ("less_than", 3, 3, False),
        ("more_than", 3, 4, True),
        ("more_than", 3, 3, False),
    ],
)
def test_score_leaf(op, operand, value, expected):
    cond = Condition("score", ref="phq9", op=op, value=operand)
    assert holds(cond, Facts(scores={"phq9": value})) is expected


def test_score_that_does_not_apply_is_false():
    cond = Condition("score", ref="phq9", op="at_most", value=100)
    assert holds(cond, Facts(scores={"phq9": None})) is False
    assert holds(cond, Facts()) is False
    assert holds(Condition("not", children=(cond,)), Facts()) is True


def test_flag_leaf():
    cond = Condition("flag", ref="bp_high")
    assert holds(cond, Facts(flags={"bp_high": (("bp", 150),)}))
    assert not holds(cond, Facts(flags={"other": ()}))


def test_evidence_of_a_leaf_is_the_answer():
    assert check(q("age", "at_least", 18), facts(age=40)) == (True, (("age", 40),))
    assert check(q("age", "at_least", 18), facts(age=10)) == (False, ())


def test_evidence_of_any_lists_every_child_that_held():
    cond = Condition(
        "any", children=(q("a", "is", "yes"), q("b", "is", "yes"), q("c", "is", "yes"))
    )
    ok, evidence = check(cond, facts(a="yes", b="no", c="yes"))
    assert ok and evidence == (("a", "yes"), ("c", "yes"))


def test_evidence_of_all_collects_its_children():
    cond = Condition("all", children=(q("a", "is", "yes"), q("b", "at_least", 2)))
    assert check(cond, facts(a="yes", b=3)) == (True, (("a", "yes"), ("b", 3)))
    assert check(cond, facts(a="yes", b=1)) == (False, ())


def test_evidence_of_a_flag_is_the_flags_evidence():
    cond = Condition("flag", ref="bp_high")
    assert check(cond, Facts(flags={"bp_high": (("bp_systolic", 150),)})) == (
        True,
        (("bp_systolic", 150),),
    )


def test_not_and_answered_false_give_no_evidence():
    assert check(Condition("not", children=(YES,)), facts()) == (True, ())
    assert check(q("x", "answered", False), facts()) == (True, ())


def test_evidence_of_a_score_is_the_score_and_its_value():
    """A flag raised by a score (e.g. "Anxiety focus" by GAD-7 10+) shows what raised it."""
    cond = Condition("score", ref="gad7", op="at_least", value=10)
    assert check(cond, Facts(scores={"gad7": 12})) == (True, (("gad7", 12),))
    assert check(cond, Facts(scores={"gad7": 4})) == (False, ())
