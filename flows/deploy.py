"""Register the nightly deployments with the Prefect API that ``PREFECT_API_URL`` points at.

Two deployments share one name (the environment, e.g. ``local`` or ``k8s``):

- ``nightly-fanout/<name>``: scheduled (cron + timezone); splits the inputs into partitions and
  starts one run of the partition deployment per partition; on the pool's ``fanout`` queue;
- ``nightly-deid-inference/<name>``: not scheduled; one partition per run; on the pool's ``partitions``
  queue, whose concurrency limit is how many partitions run at once. The parent waits for its
  partitions on another queue, so it never takes one of their slots (with one queue and a limit of N,
  it would leave N-1, and with a limit of 1 wait forever).

Entrypoints are module paths: the code is installed in the worker's virtualenv (process pool) or in
the medflow image (Kubernetes pool), so no code storage or pull step is involved. ``prefect.yaml``
holds the same definitions for ``prefect deploy``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import EntrypointType
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron

from flows.fanout import nightly_fanout
from flows.nightly import nightly_deid_inference
from medflow.settings import REPO_ROOT

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_PARTITIONS = 4
K8S_JOB_TEMPLATE = REPO_ROOT / "k8s" / "prefect" / "base-job-template.json"
TAGS = ["medflow", "nightly"]
FANOUT_QUEUE = "fanout"
PARTITION_QUEUE = "partitions"


@dataclass(frozen=True, slots=True)
class NightlyDeployment:
    """What ``medflow deploy`` registers; the defaults match the ``local`` entries of prefect.yaml."""

    name: str = "local"
    work_pool: str = "medflow-local"
    input_uri: str = "data/samples"
    output_uri: str = "out/nightly"
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    partitions: int = DEFAULT_PARTITIONS
    partition_limit: int | None = None  # partition runs at once (the partitions queue's limit); None: keep
    image: str | None = None  # Kubernetes pools: the medflow image of the flow-run pods
    job_variables: dict[str, Any] = field(default_factory=dict)
    paused: bool = False

    @property
    def partition_deployment(self) -> str:
        return f"{nightly_deid_inference.name}/{self.name}"


def ensure_work_pool(name: str, pool_type: str, base_job_template: Path | None = None) -> bool:
    """Create the work pool if it does not exist (process pools get Prefect's default template); True if created."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            pass
        template: dict[str, Any] = {}
        if base_job_template is not None:
            template = json.loads(base_job_template.read_text())
        elif pool_type == "process":
            from prefect.workers.process import ProcessWorker

            template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(WorkPoolCreate(name=name, type=pool_type, base_job_template=template))
        return True


def set_partition_limit(pool: str, limit: int) -> None:
    """At most ``limit`` partition runs of ``pool`` at once (the ``partitions`` queue, created if missing)."""
    with get_client(sync_client=True) as client:
        try:
            queue = client.read_work_queue_by_name(PARTITION_QUEUE, work_pool_name=pool)
        except ObjectNotFound:
            client.create_work_queue(PARTITION_QUEUE, work_pool_name=pool, concurrency_limit=limit)
            return
        client.update_work_queue(queue.id, concurrency_limit=limit)


def register_nightly(spec: NightlyDeployment) -> dict[str, UUID]:
    """Create or update both deployments of ``spec`` (and the partitions queue's limit if it gives one);
    returns their ids by ``flow/deployment`` name."""
    shared = {"input_uri": spec.input_uri, "output_uri": spec.output_uri}
    partition = nightly_deid_inference.to_deployment(
        name=spec.name,
        parameters=shared,
        description="One partition of the nightly run (started by nightly-fanout).",
        tags=TAGS,
        work_pool_name=spec.work_pool,
        work_queue_name=PARTITION_QUEUE,
        job_variables=dict(spec.job_variables),
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    fanout = nightly_fanout.to_deployment(
        name=spec.name,
        schedules=[Cron(spec.cron, timezone=spec.timezone)],
        paused=spec.paused,
        parameters={
            **shared,
            "partitions": spec.partitions,
            "partition_deployment": spec.partition_deployment,
        },
        description="Nightly de-identification and classification, fanned out over partitions of the inputs.",
        tags=TAGS,
        work_pool_name=spec.work_pool,
        work_queue_name=FANOUT_QUEUE,
        job_variables=dict(spec.job_variables),
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
    if spec.partition_limit is not None:
        set_partition_limit(spec.work_pool, spec.partition_limit)
    return {
        spec.partition_deployment: partition.apply(image=spec.image),
        f"{nightly_fanout.name}/{spec.name}": fanout.apply(image=spec.image),
    }
