"""A questionnaire in two languages: loading each, and the checker's language cases."""

from __future__ import annotations

from click.testing import CliRunner

from screener.cli.questionnaire import check_command
from screener.questionnaire import ERROR, WARNING, load_text
from tests.test_loader import line_of, only, problems, tweak

BILINGUAL = """\
questionnaire:
  id: demo
  title: {en: Demo screener, es: Cuestionario de prueba}
  languages: [en, es]
  crisis_resources:
    - id: lifeline_988
      name: {en: 988 Lifeline, es: Línea 988}
      how: {en: Call or text 988, es: Llame o envíe un mensaje de texto al 988}
      tel: "988"
      sms: "988"
sections:
  - id: about
    title: {en: About you, es: Sobre usted}
    pages:
      - id: age_page
        questions:
          - id: age
            type: integer
            label: {en: How old are you?, es: ¿Cuántos años tiene?}
            min: 10
            max: 120
          - id: smoker
            type: yesno
            label: {en: Do you smoke?, es: ¿Fuma?}
          - id: worry
            type: single
            label:
              en: How often do you worry?
              es: ¿Con qué frecuencia se preocupa?
            options:
              - {value: 0, label: {en: Not at all, es: Nunca}}
              - {value: 1, label: {en: Often, es: Seguido}}
            prefer_not_to_say: true
outcomes:
  - id: consult
    title:
      en: A consultation looks like a good next step
      es: Una consulta parece un buen próximo paso
    message: {en: Book a call., es: Reserve una llamada.}
"""


def test_the_bilingual_base_is_clean(tmp_path):
    assert problems(tmp_path, BILINGUAL) == []


def test_loading_in_spanish_reads_every_client_text_and_the_built_in_words_in_spanish():
    spanish = {"Yes": "Sí", "Prefer not to say": "Prefiero no decirlo", "Not answered": "—"}
    q = load_text(BILINGUAL, language="es", gettext=lambda s: spanish.get(s, s)).questionnaire
    assert q.language == "es" and q.meta.languages == ("en", "es")
    assert q.meta.title == "Cuestionario de prueba"
    assert q.questions["age"].label == "¿Cuántos años tiene?"
    assert [o.label for o in q.questions["smoker"].options] == ["Sí", "No"]
    assert q.questions["worry"].options[-1].label == "Prefiero no decirlo"
    assert q.questions["worry"].display(None) == "—"
    assert q.meta.crisis_resources[0].name == "Línea 988"
    assert q.outcomes[0].message == "Reserve una llamada."
    # the same file in English, and one hash for both: a submission names one definition
    english = load_text(BILINGUAL).questionnaire
    assert english.language == "en" and english.meta.title == "Demo screener"
    assert english.content_hash == q.content_hash


def test_an_unknown_language_falls_back_to_the_default():
    assert load_text(BILINGUAL, language="fr").questionnaire.language == "en"


def test_coverage_counts_each_language():
    text = tweak("label: {en: Do you smoke?, es: ¿Fuma?}", "label: Do you smoke?", BILINGUAL)
    coverage = load_text(text).questionnaire.coverage
    assert coverage["en"] == coverage[""] and coverage["es"] == coverage[""] - 1


def test_def034_a_mapping_without_the_spanish_names_key_language_and_line(tmp_path):
    text = tweak("label: {en: Do you smoke?, es: ¿Fuma?}", "label: {en: Do you smoke?}", BILINGUAL)
    [problem] = only(tmp_path, text, "DEF034")
    assert problem.severity == ERROR
    assert problem.line == line_of(text, "Do you smoke?")
    assert "the label of question 'smoker'" in problem.message
    assert "no Spanish text" in problem.message and "`es: ...`" in problem.message
    assert f"questions.yaml:{problem.line}:" in problem.format("questions.yaml")


def test_def034_one_plain_text_in_a_two_language_file(tmp_path):
    text = tweak(
        "{value: 1, label: {en: Often, es: Seguido}}", "{value: 1, label: Often}", BILINGUAL
    )
    [problem] = only(tmp_path, text, "DEF034")
    assert problem.line == line_of(text, "label: Often")
    assert "the label of option '1' of question 'worry'" in problem.message
    assert "declares en, es" in problem.message


def test_def034_missing_english_is_reported_too(tmp_path):
    text = tweak(
        "{en: Book a call., es: Reserve una llamada.}", "{es: Reserve una llamada.}", BILINGUAL
    )
    [problem] = only(tmp_path, text, "DEF034")
    assert problem.line == line_of(text, "Reserve una llamada")
    assert "the message of outcome 'consult' has no English text" in problem.message


def test_def034_entries_of_a_list_of_texts_are_numbered(tmp_path):
    text = tweak(
        "    message: {en: Book a call., es: Reserve una llamada.}\n",
        "    message: {en: Book a call., es: Reserve una llamada.}\n"
        "    next_steps:\n      - {en: We call you., es: Le llamamos.}\n"
        "      - {en: Then we talk.}\n",
        BILINGUAL,
    )
    [problem] = only(tmp_path, text, "DEF034")
    assert problem.line == line_of(text, "Then we talk")
    assert "the next_steps entry 2 of outcome 'consult'" in problem.message


def test_def035_a_text_in_an_undeclared_language(tmp_path):
    text = tweak("es: ¿Fuma?}", "es: ¿Fuma?, fr: Fumez-vous ?}", BILINGUAL)
    [problem] = only(tmp_path, text, "DEF035")
    assert problem.line == line_of(text, "fr: Fumez-vous")
    assert "'fr'" in problem.message and "(en, es)" in problem.message
    assert "the label of question 'smoker'" in problem.message


def test_def036_languages_must_be_codes(tmp_path):
    text = tweak("languages: [en, es]", "languages: [English, Spanish]", BILINGUAL)
    found = only(tmp_path, text, "DEF036")
    assert found[0].line == line_of(text, "languages:")
    assert "two-letter" in found[0].message


def test_def036_a_language_named_twice(tmp_path):
    text = tweak("languages: [en, es]", "languages: [en, es, es]", BILINGUAL)
    [problem] = only(tmp_path, text, "DEF036")
    assert "twice" in problem.message


def test_def047_a_declared_language_no_text_has_is_one_warning(tmp_path):
    text = tweak("languages: [en, es]", "languages: [en, es, fr]", BILINGUAL)
    found = problems(tmp_path, text)
    assert [p.code for p in found] == ["DEF047"]
    assert found[0].severity == WARNING
    assert found[0].line == line_of(text, "languages:")
    assert "'fr'" in found[0].message


def test_a_one_language_file_needs_no_mappings(tmp_path):
    text = BILINGUAL.replace("  languages: [en, es]\n", "")
    text = tweak("label: {en: Do you smoke?, es: ¿Fuma?}", "label: Do you smoke?", text)
    found = problems(tmp_path, text)
    # the mappings still hold an `es` the file does not declare; the plain text is fine
    assert "DEF034" not in {p.code for p in found}


def test_def042_spanish_diagnostic_words_at_the_spanish_line(tmp_path):
    for words in (
        "Usted tiene depresión",
        "diagnóstico de ansiedad",
        "Usted es elegible",
        "Califica",
    ):
        text = tweak("es: Reserve una llamada.}", f"es: {words}.}}", BILINGUAL)
        [problem] = only(tmp_path, text, "DEF042")
        assert problem.severity == WARNING
        assert problem.line == line_of(text, words)
        assert "in Spanish (es)" in problem.message and "usted nos dijo" in problem.message


def test_def042_spanish_points_at_the_es_line_of_a_block_text(tmp_path):
    text = tweak(
        "es: Una consulta parece un buen próximo paso",
        "es: Usted califica para una consulta",
        BILINGUAL,
    )
    [problem] = only(tmp_path, text, "DEF042")
    assert problem.line == line_of(text, "Usted califica")


def test_check_prints_the_translation_coverage_per_language(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(
        tweak("label: {en: Do you smoke?, es: ¿Fuma?}", "label: {en: Do you smoke?}", BILINGUAL)
    )
    out = CliRunner().invoke(check_command, [str(path)]).output
    total = load_text(BILINGUAL).questionnaire.coverage[""]
    assert f"translation: en (English): {total} of {total} client texts (100%)" in out
    assert f"translation: es (Spanish): {total - 1} of {total} client texts (" in out


def test_the_shipped_file_is_fully_translated_into_spanish():
    from tests.conftest import QUESTIONS

    out = CliRunner().invoke(check_command, [str(QUESTIONS)]).output
    total = load_text(QUESTIONS.read_text(encoding="utf-8")).questionnaire.coverage[""]
    assert total > 500
    assert f"translation: es (Spanish): {total} of {total} client texts (100%)" in out
    assert "DEF034" not in out and "DEF042" not in out


def test_def042_reads_the_crisis_resources_and_the_disclaimer_too(tmp_path):
    text = tweak(
        '      sms: "988"\n',
        '      sms: "988"\n      note: {en: Free., es: Gratis si usted califica.}\n',
        BILINGUAL,
    )
    text = tweak(
        "  languages: [en, es]\n",
        "  languages: [en, es]\n  disclaimer: {en: You are eligible., es: Un cuestionario.}\n",
        text,
    )
    found = sorted(only(tmp_path, text, "DEF042"), key=lambda p: p.line)
    assert [p.line for p in found] == [line_of(text, "You are eligible"), line_of(text, "Gratis")]
    assert "in Spanish" in found[1].message and "in Spanish" not in found[0].message


def test_def034_an_empty_spanish_text_is_a_missing_one(tmp_path):
    for empty in ('""', '"  "', "null"):
        text = tweak("es: ¿Fuma?}", f"es: {empty}}}", BILINGUAL)
        [problem] = only(tmp_path, text, "DEF034")
        assert problem.line == line_of(text, "Do you smoke?")
        assert "the label of question 'smoker' has no Spanish text" in problem.message
