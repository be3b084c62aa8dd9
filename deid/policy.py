"""Anonymisation policy: what replaces each PHI type, applied with presidio-anonymizer operators.

Operators: `tag` (`[NAME]`, the default: readable for the classifier, needs no key), `surrogate`
(consistent fake value per patient), `shift` (dates moved by the patient's offset; other labels
fall back to `tag`), `redact` (removed) and `keep`. A policy is written as
`"DATE=shift,NAME=surrogate"`; unlisted labels use the default operator.

Surrogates and shifts are scoped to the patient. A note without a patient id (every API request) gets
a fresh random key of its own: its offset and surrogates reveal nothing about any other note's, and
the API's key space is separate from the batch flow's by construction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from deid.labels import ALL_LABELS, PhiLabel
from deid.surrogates import Surrogates


class Operator(StrEnum):
    TAG = "tag"
    SURROGATE = "surrogate"
    SHIFT = "shift"
    REDACT = "redact"
    KEEP = "keep"


NEEDS_KEY = frozenset({Operator.SURROGATE, Operator.SHIFT})


@dataclass(frozen=True)
class Policy:
    operators: Mapping[str, Operator] = field(default_factory=dict)
    default: Operator = Operator.TAG

    @classmethod
    def parse(cls, spec: str) -> Policy:
        """`"DATE=shift,NAME=surrogate,*=tag"`; `*` sets the default operator."""
        operators: dict[str, Operator] = {}
        default = Operator.TAG
        for item in filter(None, (part.strip() for part in spec.split(","))):
            label, _, op = item.partition("=")
            label, op = label.strip().upper(), op.strip().lower()
            if op not in Operator.__members__.values():
                raise ValueError(f"unknown anonymisation operator {op!r} (use {', '.join(Operator)})")
            if label == "*":
                default = Operator(op)
            elif label in ALL_LABELS:
                operators[label] = Operator(op)
            else:
                raise ValueError(f"unknown PHI label {label!r} in the anonymisation policy")
        return cls(operators, default)

    def operator_for(self, label: str) -> Operator:
        return self.operators.get(label, self.default)

    @property
    def needs_key(self) -> bool:
        return self.default in NEEDS_KEY or any(op in NEEDS_KEY for op in self.operators.values())


@dataclass(frozen=True, slots=True)
class Applied:
    text: str
    date_shift_days: int | None  # the offset this note's dates moved by; None without a key


class PolicyApplier:
    """Replaces detected spans in one text according to a `Policy`."""

    def __init__(self, policy: Policy, surrogates: Surrogates | None) -> None:
        if policy.needs_key and surrogates is None:
            raise ValueError(
                "the anonymisation policy uses surrogates or date shifting: set MEDFLOW_DEID_HMAC_KEY"
            )
        self._policy = policy
        self._surrogates = surrogates
        self._anonymizer = AnonymizerEngine()

    def apply(self, text: str, spans: Sequence[tuple[int, int, str, float]], patient_id: str | None) -> Applied:
        surrogates, scope = (None, "") if self._surrogates is None else self._surrogates.for_note(patient_id)
        shift = surrogates.shift_days(scope) if surrogates is not None else None
        if not spans:
            return Applied(text, shift)
        results = [RecognizerResult(label, start, end, score) for start, end, label, score in spans]
        labels = {label for _, _, label, _ in spans}
        operators = {label: self._operator_config(label, surrogates, scope) for label in labels}
        return Applied(self._anonymizer.anonymize(text, results, operators).text, shift)

    def _operator_config(self, label: str, surrogates: Surrogates | None, scope: str) -> OperatorConfig:
        op = self._policy.operator_for(label)
        tag = f"[{label}]"
        if op is Operator.KEEP:
            return OperatorConfig("keep")
        if op is Operator.REDACT:
            return OperatorConfig("redact")
        if op in NEEDS_KEY and surrogates is not None:
            if label == PhiLabel.DATE:
                # A date that cannot be parsed or shifted (`the 4th`, `0001-01-01`) is redacted to its tag.
                return OperatorConfig("custom", {"lambda": lambda v: surrogates.shift_date(v, scope) or tag})
            if op is Operator.SURROGATE:
                return OperatorConfig("custom", {"lambda": lambda v: surrogates.surrogate(label, v, scope)})
        return OperatorConfig("replace", {"new_value": tag})
