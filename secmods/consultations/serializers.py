from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from secmods.committees.models import Meeting
from secmods.core.api import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    ApiModelSerializer,
    ApiSerializer,
    LondonDateTimeField,
    sensible_datetime,
)
from secmods.parties.models import PartyCategory

from .models import (
    AnswerPosition,
    Comment,
    Consultation,
    ConsultationKind,
    Position,
    QuestionKind,
    Response,
)


class CommentSerializer(ApiModelSerializer):
    modification = serializers.CharField(source="modification.reference", read_only=True)
    author = serializers.CharField(source="author.get_username", read_only=True)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.select_related("committee"), allow_null=True, required=False
    )
    position = serializers.ChoiceField(choices=Position.choices, required=False, allow_blank=True)
    noted_in_report = serializers.BooleanField(
        required=False, help_text="Set by SECAS staff once summarised into the report."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "modification",
            "author",
            "meeting",
            "text",
            "position",
            "noted_in_report",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "modification", "author", "created_at", "updated_at"]


# --- Consultations (issue 6) -------------------------------------------------------------
class QuestionSerializer(ApiSerializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=5000)
    kind = serializers.ChoiceField(
        choices=QuestionKind.choices, default=QuestionKind.AGREE_DISAGREE
    )


class ConsultationSerializer(ApiModelSerializer):
    modification = serializers.CharField(source="modification.reference", read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "modification",
            "kind",
            "title",
            "opens_at",
            "closes_at",
            "questions",
            "created_at",
        ]
        read_only_fields = fields


class ConsultationWriteSerializer(ApiSerializer):
    """What `open_consultation` takes; the deadline is `closes_at`, else 5pm London on
    `closes_on`, else 5pm on the 15th Working Day after opening."""

    read_only_names = ("id", "created_at")

    modification = serializers.CharField(
        max_length=40, help_text='The reference in any spelling, e.g. "MP160".'
    )
    kind = serializers.ChoiceField(choices=ConsultationKind.choices)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    questions = QuestionSerializer(many=True, allow_empty=False)
    opens_at = LondonDateTimeField(required=False, allow_null=True, default=None)
    closes_at = LondonDateTimeField(required=False, allow_null=True, default=None)
    closes_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_opens_at(self, value: Any) -> Any:
        return sensible_datetime(value)

    def validate_closes_at(self, value: Any) -> Any:
        return sensible_datetime(value)

    def validate_closes_on(self, value: Any) -> Any:
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise serializers.ValidationError(
                f"Give a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        return value


class ConsultationUpdateSerializer(ApiSerializer):
    """What `update_consultation` takes: only the fields sent change. The deadline is
    `closes_at`, else 5pm London on `closes_on`. Questions change in the admin."""

    read_only_names = ("id", "created_at", "modification", "questions")

    kind = serializers.ChoiceField(choices=ConsultationKind.choices, required=False)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    opens_at = LondonDateTimeField(required=False)
    closes_at = LondonDateTimeField(required=False)
    closes_on = serializers.DateField(required=False)

    def validate_opens_at(self, value: Any) -> Any:
        return sensible_datetime(value)

    def validate_closes_at(self, value: Any) -> Any:
        return sensible_datetime(value)

    def validate_closes_on(self, value: Any) -> Any:
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise serializers.ValidationError(
                f"Give a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
            )
        return value


class AnswerSerializer(ApiSerializer):
    question = serializers.IntegerField(source="question_id")
    order = serializers.IntegerField(source="question.order", read_only=True)
    position = serializers.ChoiceField(
        choices=AnswerPosition.choices, required=False, allow_blank=True, default=""
    )
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)


# "Response" would clash with generated clients' own Response type (openapi-python-client).
@extend_schema_serializer(component_name="ConsultationResponse")
class ResponseSerializer(ApiModelSerializer):
    """A consultation response. `respondent_email`, `entered_by_secas` and `confidential`
    mean something to SECAS staff only; others only ever see published, non-confidential
    responses, with the email null."""

    party_category: serializers.SlugRelatedField[PartyCategory] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    party_category_name = serializers.CharField(source="party_category.name", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    respondent_email = serializers.SerializerMethodField()
    entered_by_secas = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id",
            "respondent_name",
            "respondent_email",
            "organisation_name",
            "party_category",
            "party_category_name",
            "confidential",
            "entered_by_secas",
            "received_at",
            "published_at",
            "answers",
        ]
        read_only_fields = fields

    def _staff(self) -> bool:
        return bool(self.context.get("staff"))

    @extend_schema_field({"type": ["string", "null"]})
    def get_respondent_email(self, obj: Response) -> str | None:
        return obj.respondent_email if self._staff() else None

    @extend_schema_field({"type": ["boolean", "null"]})
    def get_entered_by_secas(self, obj: Response) -> bool | None:
        return obj.entered_by_id is not None if self._staff() else None


class ResponseWriteSerializer(ApiSerializer):
    """A response SECAS staff enter from an email; `received_at` (default now) is checked
    against the consultation's window."""

    read_only_names = ("id", "party_category_name", "entered_by_secas", "published_at")

    respondent_name = serializers.CharField(max_length=200)
    # No default: the service takes "" for a missing email (a "" default would be no valid
    # `format: email` value in the schema).
    respondent_email = serializers.EmailField(required=False, allow_blank=True)
    organisation_name = serializers.CharField(max_length=200)
    party_category = serializers.SlugRelatedField(
        slug_field="slug", queryset=PartyCategory.objects.all()
    )
    confidential = serializers.BooleanField(required=False, default=False)
    received_at = LondonDateTimeField(required=False, allow_null=True, default=None)
    answers = AnswerSerializer(many=True, allow_empty=False)

    def validate_received_at(self, value: Any) -> Any:
        return sensible_datetime(value)


class CategoryCountSerializer(ApiSerializer):
    category = serializers.CharField(source="category.name")
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    neutral = serializers.IntegerField()
    text_only = serializers.IntegerField()
    answered = serializers.IntegerField()


class QuestionSummarySerializer(ApiSerializer):
    question = QuestionSerializer()
    categories = CategoryCountSerializer(source="rows", many=True)
    sentences = serializers.ListField(child=serializers.CharField())
