"""Forms for the question sets and the public answer page (built per page of questions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models import SurveyAnswer, SurveyQuestion
from models.enums import QuestionKind, SurveyMoment
from models.operations import surveys as survey_ops
from models.operations.surveys import QuestionData

from .. import labels


class SurveyForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ge frågeuppsättningen ett namn.")), Length(max=200)])
    moment = SelectField(_l("Tillfälle"), choices=labels.choices(labels.SURVEY_MOMENT_LABELS))
    active = BooleanField(_l("Använd den här uppsättningen när enkäter skickas"), default=True)


class QuestionForm(FlaskForm):
    key = StringField(
        _l("Nyckel"), validators=[DataRequired(_l("Ange en nyckel, t.ex. confidence.")), Length(max=60)]
    )
    kind = SelectField(_l("Svarstyp"), choices=labels.choices(labels.QUESTION_KIND_LABELS))
    text_sv = TextAreaField(_l("Frågan på svenska"), validators=[DataRequired(_l("Skriv frågan på svenska."))])
    text_easy_sv = TextAreaField(_l("Frågan på lättläst svenska"), validators=[Optional()])
    text_en = TextAreaField(_l("Frågan på engelska"), validators=[DataRequired(_l("Skriv frågan på engelska."))])

    def load(self, question: SurveyQuestion) -> None:
        self.key.data, self.kind.data = question.key, question.kind.value
        self.text_sv.data, self.text_en.data, self.text_easy_sv.data = (
            question.text_sv, question.text_en, question.text_easy_sv,
        )

    def to_data(self) -> QuestionData:
        return QuestionData(
            key=self.key.data or "", kind=QuestionKind(self.kind.data), text_sv=self.text_sv.data or "",
            text_en=self.text_en.data or "", text_easy_sv=self.text_easy_sv.data or "",
        )


class SendForm(FlaskForm):
    """The manual send buttons carry the moment; the visit is in the URL."""

    moment = SelectField(choices=[(m.value, m.value) for m in SurveyMoment])


class AnswerPage(FlaskForm):
    questions: Sequence[SurveyQuestion] = ()

    def fields(self) -> list[tuple[SurveyQuestion, Any]]:
        return [(q, getattr(self, survey_ops.answer_field(q))) for q in self.questions]

    def answers(self) -> dict[int, str]:
        return {q.id: f.data or "" for q, f in self.fields()}


def answer_page(
    questions: Sequence[SurveyQuestion], saved: Sequence[SurveyAnswer], wording: str, **kwargs: Any
) -> AnswerPage:
    """A form for one page of questions, in the chosen wording, filled with what was saved."""
    scale = survey_ops.LIKERT_SCALE[wording]
    fields: dict[str, Any] = {"questions": tuple(questions)}
    for question in questions:
        text = survey_ops.question_text(question, wording)
        if question.kind == QuestionKind.LIKERT:
            fields[survey_ops.answer_field(question)] = RadioField(
                text, choices=[(str(i), f"{i} – {scale[i - 1]}") for i in range(1, 6)], validate_choice=False,
                validators=[Optional()],
            )
        else:
            fields[survey_ops.answer_field(question)] = TextAreaField(text, validators=[Optional()])
    form = type("SurveyAnswerPage", (AnswerPage,), fields)(**kwargs)
    if not form.is_submitted():
        by_question = {a.question_id: a for a in saved}
        for question, f in form.fields():
            answer = by_question.get(question.id)
            if answer is not None:
                f.data = str(answer.likert) if question.kind == QuestionKind.LIKERT else answer.text
    return form
