"""Request and response bodies of the gateway.

Request models are built from the configured limits so that the OpenAPI schema states them (clients
and the schema fuzzer see the same limits the server enforces).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# JSON-Schema `pattern` is a search: this says "contains at least one non-whitespace character".
NON_BLANK = r"\S"
NOTE_TYPE_PATTERN = r"^[A-Za-z0-9_.\- ]{1,64}$"


class LabelScore(BaseModel):
    label: str
    score: float = Field(ge=0.0, le=1.0)


class ClassifyResult(BaseModel):
    label: str = Field(description="Predicted class (the most probable label)")
    score: float = Field(ge=0.0, le=1.0, description="Probability of the predicted class")
    labels: list[LabelScore] = Field(
        description="Every label whose probability reaches its threshold, with it, best first "
        "(the predicted class alone when none does)"
    )
    entity_counts: dict[str, int] = Field(description="PHI entities removed, by type")
    deid_text: str | None = Field(None, description="De-identified text; only with the `classify:deid-text` scope")


class ClassifyResponse(ClassifyResult):
    request_id: str
    model_name: str
    model_version: str


class BatchClassifyResponse(BaseModel):
    request_id: str
    model_name: str
    model_version: str
    results: list[ClassifyResult] = Field(description="One result per note, in request order")


class ErrorResponse(BaseModel):
    detail: str | list[dict[str, object]]
    request_id: str | None = None


class ReadinessResponse(BaseModel):
    status: str
    model_name: str
    model_version: str


def request_models(max_text_chars: int, max_batch_notes: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """`(ClassifyRequest, BatchClassifyRequest)` enforcing these limits."""
    NoteText = Annotated[
        str,
        Field(
            min_length=1,
            max_length=max_text_chars,
            pattern=NON_BLANK,
            description=f"Clinical note, 1 to {max_text_chars} characters, not blank",
        ),
    ]
    NoteType = Annotated[str | None, Field(pattern=NOTE_TYPE_PATTERN, description="e.g. discharge_summary")]

    class ClassifyRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        text: NoteText
        note_type: NoteType = None

    class BatchClassifyRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        notes: list[ClassifyRequest] = Field(min_length=1, max_length=max_batch_notes)

    return ClassifyRequest, BatchClassifyRequest
