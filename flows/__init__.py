"""Prefect flows: thin orchestration over tasks."""

import os

# Hospital networks are closed: the ephemeral and test Prefect servers must not try to send telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
