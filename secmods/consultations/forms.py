"""The response form (respondents through their personal link, staff for emailed ones)."""

from __future__ import annotations

from typing import Any

from django import forms

from secmods.parties.models import PartyCategory

from .models import AnswerPosition, Consultation, QuestionKind, Response


class ResponseForm(forms.Form):
    respondent_name = forms.CharField(label="Your name", max_length=200)
    respondent_email = forms.EmailField(label="Your email", required=False)
    organisation_name = forms.CharField(label="Organisation", max_length=200)
    party_category = forms.ModelChoiceField(
        label="SEC Party Category",
        queryset=PartyCategory.objects.all(),
        help_text="Choose Non-SEC Party if your organisation is not a SEC Party.",
    )
    confidential = forms.BooleanField(
        label="This response is confidential (SECAS only; never published)", required=False
    )

    def __init__(
        self,
        *args: Any,
        consultation: Consultation,
        response: Response | None = None,
        staff: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consultation = consultation
        self.questions = list(consultation.questions.all())
        if staff:
            self.fields["received_at"] = forms.DateTimeField(
                label="Received at (London time)",
                help_text="When the email arrived; checked against the deadline.",
            )
        for question in self.questions:
            if question.kind == QuestionKind.AGREE_DISAGREE:
                self.fields[f"q{question.pk}_position"] = forms.ChoiceField(
                    label=f"Q{question.order}. {question.text}",
                    choices=[("", "—"), *AnswerPosition.choices],
                    required=False,
                )
                reasons = "Your reasons"
            else:
                reasons = f"Q{question.order}. {question.text}"
            self.fields[f"q{question.pk}_text"] = forms.CharField(
                label=reasons, widget=forms.Textarea(attrs={"rows": 4}), required=False
            )
        if response is not None and not self.is_bound:
            self.initial.update(
                respondent_name=response.respondent_name,
                respondent_email=response.respondent_email,
                organisation_name=response.organisation_name,
                party_category=response.party_category_id,
                confidential=response.confidential,
            )
            for answer in response.answers.all():
                self.initial[f"q{answer.question_id}_position"] = answer.position
                self.initial[f"q{answer.question_id}_text"] = answer.text

    def answers(self) -> dict[int, dict[str, str]]:
        data = self.cleaned_data
        return {
            q.pk: {
                "position": data.get(f"q{q.pk}_position", ""),
                "text": data.get(f"q{q.pk}_text", ""),
            }
            for q in self.questions
        }

    def question_rows(self) -> list[dict[str, Any]]:
        rows = []
        for question in self.questions:
            position = self.fields.get(f"q{question.pk}_position")
            rows.append(
                {
                    "question": question,
                    "position": self[f"q{question.pk}_position"] if position else None,
                    "text": self[f"q{question.pk}_text"],
                }
            )
        return rows

    def apply_errors(self, exc: Any) -> None:
        """Put a service's ValidationError on the form."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, list(getattr(exc, "messages", [str(exc)])))
