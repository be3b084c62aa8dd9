"""`medflow deploy` registers the nightly deployments with a Prefect API; `medflow worker` runs them on
a work pool. Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

from enum import StrEnum

import typer


class PoolType(StrEnum):
    process = "process"
    kubernetes = "kubernetes"


def deploy(
    name: str = typer.Option("local", help="Deployment name of both flows (the environment: local, k8s...)"),
    pool: str = typer.Option("medflow-local", help="Prefect work pool; created if missing"),
    pool_type: PoolType = typer.Option(PoolType.process, help="Type of the pool when it has to be created"),
    cron: str = typer.Option("0 2 * * *", help="Schedule of the nightly run"),
    timezone: str = typer.Option("Europe/Berlin", help="IANA timezone of the cron schedule"),
    input_uri: str = typer.Option("data/samples", "--input", help="Input Parquet folder (path, s3://)"),
    output_uri: str = typer.Option("out/nightly", "--output", help="Output root (path, s3://)"),
    partitions: int = typer.Option(4, min=1, help="Parallel flow runs per night (one per share of the files)"),
    partition_limit: int | None = typer.Option(
        None, min=1, help="Partition runs at once: the concurrency limit of the pool's `partitions` queue "
        "(the fan-out parent runs on its own queue and takes no slot); default: keep the queue's limit"
    ),
    image: str | None = typer.Option(None, help="Image of the flow-run pods (Kubernetes pools)"),
    paused: bool = typer.Option(False, help="Register with the schedule paused"),
    ephemeral: bool = typer.Option(
        False, "--ephemeral", help="Without PREFECT_API_URL, register into the local Prefect database on purpose "
        "(a `prefect server start` with the same PREFECT_HOME serves it)"
    ),
) -> None:
    """Register the nightly deployments (scheduled fan-out + partition runs) with PREFECT_API_URL."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value() and not ephemeral:
        typer.echo("error: no Prefect API configured: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api), "
                   "or pass --ephemeral to register into the local Prefect database on purpose", err=True)
        raise typer.Exit(2)
    from flows.deploy import K8S_JOB_TEMPLATE, NightlyDeployment, ensure_work_pool, register_nightly
    from medflow.storage import absolute_uri

    template = K8S_JOB_TEMPLATE if pool_type is PoolType.kubernetes else None
    if ensure_work_pool(pool, pool_type.value, template):
        typer.echo(f"created {pool_type.value} work pool {pool}")
    spec = NightlyDeployment(
        name=name,
        work_pool=pool,
        input_uri=absolute_uri(input_uri),
        output_uri=absolute_uri(output_uri),
        cron=cron,
        timezone=timezone,
        partitions=partitions,
        partition_limit=partition_limit,
        image=image,
        paused=paused,
    )
    for deployment_name in register_nightly(spec):
        typer.echo(f"registered {deployment_name} on {pool}")
    typer.echo(f"schedule: {cron} ({timezone}); start a worker: medflow worker --pool {pool}")


def worker(
    pool: str = typer.Option("medflow-local", help="Work pool to poll"),
    worker_type: PoolType = typer.Option(
        PoolType.process, "--type", help="The pool's type; kubernetes runs flow runs as Jobs (the `k8s` extra)"
    ),
    work_queue: list[str] | None = typer.Option(None, help="Only these queues of the pool (default: all)"),
    limit: int | None = typer.Option(
        None, min=1, help="Flow runs at once in this worker, the fan-out parent included (default: no limit)"
    ),
    with_healthcheck: bool = typer.Option(
        False, help="Serve Prefect's worker health endpoint (port PREFECT_WORKER_WEBSERVER_PORT)"
    ),
) -> None:
    """Run the pool's flow runs until the first SIGTERM or SIGINT; a process worker then marks the runs it
    had in flight Crashed (their processes end with it)."""
    from flows.worker import run_worker

    run_worker(pool, worker_type.value, work_queue or None, limit, with_healthcheck)
