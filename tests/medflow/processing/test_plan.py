"""The run's plan: which listed input objects a run processes and which it skips with their earlier reports."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from medflow.processing.plan import plan_run
from medflow.run_types import FileReport, RunContext
from medflow.storage import InputObject
from medflow.tables.manifest import build_manifest, write_manifest
from medflow.tables.partitions import Partition
from tests.medflow.processing.test_pipeline import make_ctx

STARTED = datetime(2026, 11, 21, 1, tzinfo=UTC)


def source(name: str, version: str = "v1") -> InputObject:
    return InputObject(uri=f"file:///in/{name}.parquet", path=f"/in/{name}.parquet", size=100, version=version)


def report(obj: InputObject, ctx: RunContext, rows: int, status: str = "ok") -> FileReport:
    return FileReport(
        source=obj.uri, fingerprint=obj.fingerprint(ctx.model_version), status=status, rows_in=rows, rows_out=rows
    )


def commit(ctx: RunContext, reports: list[FileReport]) -> None:
    """A committed run of ``ctx``'s date: its manifest lists ``reports``."""
    write_manifest(build_manifest(ctx, "file:///in", reports, STARTED, datetime(2026, 11, 21, 2, tzinfo=UTC)))


def processed(objs: list[InputObject], ctx: RunContext) -> list[FileReport]:
    return [report(o, ctx, rows=10 + i) for i, o in enumerate(objs)]


def test_a_first_run_processes_every_listed_object_in_listing_order(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    sources = [source("a"), source("b"), source("c")]
    plan = plan_run(sources, ctx)
    assert plan.to_process == sources
    assert plan.skipped == []
    fresh = processed(sources, ctx)
    assert plan.reports(fresh) == fresh


def test_objects_committed_for_the_date_and_model_are_skipped_with_their_earlier_reports(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    a, b, c = source("a"), source("b"), source("c")
    commit(make_ctx(tmp_path / "out", run_id="run-0"), [report(b, ctx, rows=7)])

    plan = plan_run([a, b, c], ctx)
    assert plan.to_process == [a, c]
    assert plan.skipped == [b]
    reports = plan.reports(processed([a, c], ctx))
    assert [(r.source, r.status, r.rows_in) for r in reports] == [
        (a.uri, "ok", 10), (b.uri, "skipped", 7), (c.uri, "ok", 11)
    ]


def test_a_skipped_report_of_an_earlier_run_does_not_count_as_committed(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    a = source("a")
    commit(make_ctx(tmp_path / "out", run_id="run-0"), [report(a, ctx, rows=7, status="skipped")])
    assert plan_run([a], ctx).to_process == [a]


@pytest.mark.parametrize(
    "changed",
    [
        {"model_version": "8"},  # a new model
        {"run_date": date(2026, 11, 22)},  # another date's partition
    ],
)
def test_objects_committed_for_another_model_or_date_are_processed(tmp_path: Path, changed: dict) -> None:
    earlier = make_ctx(tmp_path / "out", run_id="run-0")
    a = source("a")
    commit(earlier, [report(a, earlier, rows=7)])
    ctx = make_ctx(tmp_path / "out", **changed)
    assert plan_run([a], ctx).to_process == [a]


def test_a_changed_object_is_processed_again(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    commit(make_ctx(tmp_path / "out", run_id="run-0"), [report(source("a", "v1"), ctx, rows=7)])
    rewritten = source("a", "v2")
    assert plan_run([rewritten], ctx).to_process == [rewritten]


def test_force_processes_even_committed_objects(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    a = source("a")
    commit(make_ctx(tmp_path / "out", run_id="run-0"), [report(a, ctx, rows=7)])
    plan = plan_run([a], ctx, force=True)
    assert plan.to_process == [a]
    assert plan.skipped == []


def test_a_partition_plans_only_its_share_of_the_listing(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    sources = [source(name) for name in "abcde"]
    commit(make_ctx(tmp_path / "out", run_id="run-0"), [report(sources[3], ctx, rows=7)])  # "d", in share 2/2

    first = plan_run(sources, ctx, Partition.parse("1/2"))
    second = plan_run(sources, ctx, Partition.parse("2/2"))
    assert [f.source for f in first.files] == [sources[0], sources[2], sources[4]]
    assert first.skipped == []
    assert second.to_process == [sources[1]]
    assert second.skipped == [sources[3]]


def test_reports_refuses_a_count_that_does_not_match_the_files_to_process(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path / "out")
    sources = [source("a"), source("b")]
    plan = plan_run(sources, ctx)
    with pytest.raises(ValueError, match="1 report"):
        plan.reports(processed(sources[:1], ctx))
