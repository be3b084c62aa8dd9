"""Fan-out over input files: partition specs, and merging the partitions' manifests into one view.

A partition spec ``"k/n"`` (1 <= k <= n) selects every n-th object of the sorted input listing,
starting at the k-th: the n partitions are disjoint, cover every object, and differ in size by at
most one file. Each partition is processed by its own flow run, which stages its outputs and a
report; the parent commits them all at once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from medflow.tables.manifest import ModelRef, RunManifest, run_status, summarize

T = TypeVar("T")

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Partition:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, spec: str) -> Partition:
        match = _SPEC.match(spec)
        if match is None:
            raise ValueError(f"partition must look like 'k/n', got {spec!r}")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ValueError(f"partition index must be in 1..{count}, got {index}")
        return cls(index, count)

    @property
    def spec(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def lock_scope(self) -> str:
        """Suffix of this partition's run lock: partitions run in parallel, reruns of one exclude each other."""
        return f"part-{self.index}-of-{self.count}"

    def select(self, sorted_items: Sequence[T]) -> list[T]:
        return list(sorted_items[self.index - 1 :: self.count])


def plan_partitions(n_items: int, wanted: int) -> list[Partition]:
    """``wanted`` partitions, but never more than there are items (and at least one)."""
    if wanted < 1:
        raise ValueError("partitions must be >= 1")
    count = max(1, min(wanted, n_items))
    return [Partition(k, count) for k in range(1, count + 1)]


@dataclass(frozen=True, slots=True)
class PartitionRun:
    """The outcome of one partition's flow run; ``manifest`` is None when the run committed nothing."""

    partition: Partition
    flow_run_name: str
    state: str
    manifest: RunManifest | None
    reason: str = ""  # why it did not complete: the first line of its final state's message

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED" and self.manifest is not None

    def failure(self) -> str:
        """``1/4 failed: <reason>``, for a partition that did not complete."""
        return f"{self.partition.spec} {self.state.lower()}: {self.reason or 'no message'}"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How the partitions' manifests cover the listed inputs: each exactly once when complete."""

    missing: list[str]
    duplicated: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.duplicated


def check_coverage(listed_sources: Sequence[str], manifests: Sequence[RunManifest]) -> Coverage:
    seen = Counter(report.source for m in manifests for report in m.files)
    return Coverage(
        missing=sorted(set(listed_sources) - set(seen)),
        duplicated=sorted(source for source, n in seen.items() if n > 1),
    )


def merge_manifests(
    run_id: str,
    run_date: date,
    input_uri: str,
    output_uri: str,
    manifests: Sequence[RunManifest],
    started_at: datetime,
    finished_at: datetime,
) -> RunManifest:
    """One manifest over the partitions of a fan-out: the parent commits its files and writes it.

    Throughput is over the fan-out's wall time, so it shows the speed-up of parallel partitions.
    """
    files = [report for m in manifests for report in m.files]
    totals = summarize(files, (finished_at - started_at).total_seconds())
    # Partitions normally share one model; if a model update landed mid-run, both versions show.
    name = "+".join(sorted({m.model.name for m in manifests})) or "none"
    version = "+".join(sorted({m.model.version for m in manifests})) or "none"
    return RunManifest(
        run_id=run_id,
        run_date=run_date,
        status=run_status(totals),
        input_uri=input_uri,
        output_uri=output_uri,
        model=ModelRef(name=name, version=version),
        started_at=started_at,
        finished_at=finished_at,
        files=sorted(files, key=lambda r: r.source),
        totals=totals,
    )
