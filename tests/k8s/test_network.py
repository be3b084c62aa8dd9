"""Services, disruption budgets and network policies (ingress and egress)."""

from __future__ import annotations

import ipaddress

import pytest

from tests.k8s.manifests import (
    K8S,
    OVERLAYS,
    container_port_names_and_numbers,
    matches,
    objects,
    one,
    pod_templates,
    pods_selected,
)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_select_pods_and_target_existing_container_ports(overlay):
    pods = pod_templates(overlay)
    for service in objects(overlay, "Service"):
        selected = pods_selected(overlay, {"matchLabels": service["spec"]["selector"]})
        assert len(selected) == 1, f"{service['metadata']['name']} selects {selected}"
        ports = container_port_names_and_numbers(pods[selected.pop()])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{service['metadata']['name']}: {port}"
    assert {p["port"] for p in one(overlay, "Service", "triton")["spec"]["ports"]} == {8000, 8001, 8002}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_triton_url_setting_points_at_the_triton_grpc_service(overlay):
    host, port = one(overlay, "ConfigMap", "medflow-settings")["data"]["MEDFLOW_TRITON_URL"].split(":")
    service = one(overlay, "Service", host)
    grpc = {p["name"]: p["port"] for p in service["spec"]["ports"]}["grpc"]
    assert int(port) == grpc == 8001


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_select_exactly_one_workload(overlay):
    budgets = objects(overlay, "PodDisruptionBudget")
    assert {b["metadata"]["name"] for b in budgets} == {"triton", "medflow-api"}
    for budget in budgets:
        assert pods_selected(overlay, budget["spec"]["selector"]) == {budget["metadata"]["name"]}


def _allowed_sources(overlay: str, target: str) -> tuple[set[str], set[str]]:
    """(pods, namespaces) that NetworkPolicies admit into the pods of workload `target`."""
    pods: set[str] = set()
    namespaces: set[str] = set()
    target_labels = pod_templates(overlay)[target]["metadata"]["labels"]
    for policy in objects(overlay, "NetworkPolicy"):
        if not matches(policy["spec"]["podSelector"], target_labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            for peer in rule["from"]:
                if "podSelector" in peer:
                    assert "namespaceSelector" not in peer
                    pods |= pods_selected(overlay, peer["podSelector"])
                else:
                    namespaces.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    return pods, namespaces


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_admit_only_the_intended_clients(overlay):
    deny = one(overlay, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    assert _allowed_sources(overlay, "triton") == ({"medflow-api", "flow-run"}, {"monitoring"})
    assert _allowed_sources(overlay, "medflow-api") == (set(), {"ingress-nginx", "monitoring"})
    assert _allowed_sources(overlay, "prefect-worker") == (set(), set())

    pods = pod_templates(overlay)
    for policy in objects(overlay, "NetworkPolicy"):
        targets = pods_selected(overlay, policy["spec"]["podSelector"])
        assert targets, f"{policy['metadata']['name']} selects no pod"
        for rule in policy["spec"].get("ingress", []):
            for peer in rule["from"]:
                if "podSelector" in peer:
                    assert pods_selected(overlay, peer["podSelector"]), f"{policy['metadata']['name']}: {peer}"
            for port in rule["ports"]:
                for target in targets:
                    assert port["port"] in container_port_names_and_numbers(pods[target]), (target, port)


# Egress destinations, as (kind, name, port): kind is pod (a workload here), namespace, pod-in-namespace
# (namespace/labels) or cidr.
DNS = {("pod-in-namespace", "kube-system/k8s-app=kube-dns", f"53/{protocol}") for protocol in ("UDP", "TCP")}
IDP = ("cidr", "192.0.2.10/32", "443/TCP")
OBJECT_STORE = ("cidr", "198.51.100.20/32", "443/TCP")
PREFECT_API = ("namespace", "prefect", "4200/TCP")
INTENDED_EGRESS = {
    "medflow-api": DNS | {("pod", "triton", "grpc/TCP"), IDP, OBJECT_STORE},
    "flow-run": DNS | {("pod", "triton", "grpc/TCP"), OBJECT_STORE, PREFECT_API},
    "triton": DNS | {OBJECT_STORE},
    "prefect-worker": DNS | {PREFECT_API} | {("cidr", "203.0.113.30/32", f"{p}/TCP") for p in (443, 6443)},
}


def _allowed_destinations(overlay: str, source: str) -> set[tuple[str, str, str]]:
    """Everything the egress NetworkPolicies let the pods of workload `source` connect to."""
    allowed: set[tuple[str, str, str]] = set()
    labels = pod_templates(overlay)[source]["metadata"]["labels"]
    for policy in objects(overlay, "NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"] or not matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to") and rule.get("ports"), f"{policy['metadata']['name']}: a rule open to anything"
            ports = [f"{p['port']}/{p['protocol']}" for p in rule["ports"]]
            for peer in rule["to"]:
                if "ipBlock" in peer:
                    assert peer["ipBlock"]["cidr"] not in {"0.0.0.0/0", "::/0"} and "except" not in peer["ipBlock"]
                    found = {("cidr", peer["ipBlock"]["cidr"], port) for port in ports}
                elif "namespaceSelector" in peer and "podSelector" in peer:
                    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    pod = ",".join(f"{k}={v}" for k, v in sorted(peer["podSelector"]["matchLabels"].items()))
                    found = {("pod-in-namespace", f"{namespace}/{pod}", port) for port in ports}
                elif "namespaceSelector" in peer:
                    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    found = {("namespace", namespace, port) for port in ports}
                else:
                    targets = pods_selected(overlay, peer["podSelector"])
                    assert targets, f"{policy['metadata']['name']}: {peer} selects no pod"
                    for target in targets:  # a named port must exist on the pods it leads to
                        for port in rule["ports"]:
                            assert port["port"] in container_port_names_and_numbers(pod_templates(overlay)[target])
                    found = {("pod", target, port) for target in targets for port in ports}
                allowed |= found
    return allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_egress_is_denied_by_default_and_opened_only_where_needed(overlay):
    deny = one(overlay, "NetworkPolicy", "default-deny-egress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Egress"] and "egress" not in deny
    assert set(pod_templates(overlay)) == set(INTENDED_EGRESS)
    for source, intended in INTENDED_EGRESS.items():
        assert _allowed_destinations(overlay, source) == intended, source
    # The pods that hold PHI and the de-identification key reach Triton, the identity provider (API
    # only), the object store and the Prefect API (flow runs only): nothing on the internet at large.
    for source in ("medflow-api", "flow-run"):
        cidrs = {name for kind, name, _ in _allowed_destinations(overlay, source) if kind == "cidr"}
        assert all(ipaddress.ip_network(c).num_addresses == 1 for c in cidrs), cidrs


def test_egress_placeholders_are_documented_for_sites_to_replace():
    readme = (K8S / "README.md").read_text()
    for cidr in ("192.0.2.10/32", "198.51.100.20/32", "203.0.113.30/32"):
        assert cidr in readme
