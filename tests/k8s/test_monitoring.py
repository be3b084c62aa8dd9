"""Monitoring: the Grafana dashboard and the service monitors."""

from __future__ import annotations

import json
import re

from tests.k8s.manifests import (
    K8S,
    matches,
    objects,
    one,
)

TRITON_METRICS = {
    "nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count",
    "nv_inference_exec_count", "nv_inference_request_duration_us", "nv_inference_queue_duration_us",
    "nv_inference_compute_input_duration_us", "nv_inference_compute_infer_duration_us",
    "nv_inference_compute_output_duration_us", "nv_gpu_utilization", "nv_gpu_memory_total_bytes",
    "nv_gpu_memory_used_bytes", "nv_gpu_power_usage", "nv_gpu_power_limit", "nv_energy_consumption",
}


def api_metric_labels() -> dict[str, set[str]]:
    """Sample name -> label names, as the gateway's real /metrics exposition has them."""
    from api.prometheus import ApiMetrics

    metrics = ApiMetrics()
    metrics.observe_http("POST", "/v1/classify", 200, 0.01)
    metrics.observe_triton("ok", 0.01)
    metrics.count_entities({"NAME": 1})
    labels: dict[str, set[str]] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


def test_grafana_dashboard_is_json_with_known_metric_and_label_names():
    dashboard = json.loads((K8S / "monitoring" / "grafana-dashboard.json").read_text())
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    api_labels = api_metric_labels()
    used = set(re.findall(r"\b(?:nv|medflow)_[a-z_]+\b", " ".join(exprs)))
    assert used <= TRITON_METRICS | set(api_labels), used - TRITON_METRICS - set(api_labels)
    assert {"nv_inference_count", "nv_inference_queue_duration_us", "nv_inference_request_success",
            "nv_gpu_utilization", "medflow_http_request_duration_seconds_bucket",
            "medflow_deid_entities_total"} <= used
    assert any("histogram_quantile(0.95" in e for e in exprs) and any("histogram_quantile(0.50" in e for e in exprs)
    for expr in exprs:
        assert expr.count("(") == expr.count(")"), expr
        # Labels filtered or grouped on exist on the gateway's metric (Prometheus adds namespace and pod).
        for name, selector in re.findall(r"\b(medflow_[a-z_]+)\{([^}]*)\}", expr):
            filtered = set(re.findall(r"(\w+)\s*=~?", selector)) - {"namespace", "pod"}
            assert filtered <= api_labels[name], (name, filtered)
        for by, name in re.findall(r"by \(([^)]*)\) \(rate\((medflow_[a-z_]+)", expr):
            assert {g.strip() for g in by.split(",")} - {"le"} <= api_labels[name], (name, by)


def test_prod_ships_the_dashboard_and_service_monitors_for_existing_metric_ports():
    dashboard = one("prod", "ConfigMap", "medflow-grafana-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["grafana-dashboard.json"]) == json.loads(
        (K8S / "monitoring" / "grafana-dashboard.json").read_text())
    monitors = objects("prod", "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == {"triton", "medflow-api"}
    for monitor in monitors:
        selector = monitor["spec"]["selector"]
        services = [s for s in objects("prod", "Service") if matches(selector, s["metadata"]["labels"])]
        assert [s["metadata"]["name"] for s in services] == [monitor["metadata"]["name"]]
        port_names = {p["name"] for p in services[0]["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["port"] in port_names and endpoint["path"] == "/metrics"
