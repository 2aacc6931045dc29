"""The Kubernetes manifests and Dockerfiles: they render, validate, and keep their promises.

Each overlay is rendered with `kubectl kustomize`, every object is validated against the
Kubernetes OpenAPI schemas (kubernetes-validate, strict: unknown fields fail), and then the
properties the platform relies on are checked on the rendered output, not on the sources:
hardened pods with probes and limits, an HPA and a PDB per API Deployment, Services that
select the API pods, worker pods apart, network isolation, and that the environment the
manifests set is the one the services' settings classes actually read.
"""

from __future__ import annotations

import base64
import copy
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31"
OVERLAY_NAMESPACES = {"dev": "xbt-dev", "city": "xbt"}
API_DEPLOYMENTS = {"identity", "catalog", "tasks", "gateway"}
# API Deployment -> its worker Deployment and the import package of both.
WORKERS = {
    "identity": ("identity-worker", "xbt_identity"),
    "catalog": ("catalog-worker", "xbt_catalog"),
    "tasks": ("tasks-worker", "xbt_tasks"),
}
# Secrets the cluster provides in production; only the dev overlay generates them.
EXTERNAL_SECRETS = {"xbt-mongodb", "xbt-identity-signing-key", "xbt-identity-service-clients"}
CLUSTER_SCOPED_KINDS = {"Namespace"}
# Source roots of the workspace members, where an import package `xbt_<name>` lives.
SOURCE_ROOTS = [
    REPO / "shared" / "src",
    REPO / "gateway" / "src",
    *sorted((REPO / "services").glob("*/src")),
]
# One recipe for every image: SERVICE picks the package xbt-<SERVICE> and the default app.
DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
IMAGE_SERVICES = ("identity", "catalog", "tasks", "gateway")

Doc = dict[str, Any]


# --- rendering ---------------------------------------------------------------------------


def kubectl() -> str:
    found = shutil.which("kubectl") or (
        "/usr/bin/kubectl" if Path("/usr/bin/kubectl").exists() else None
    )
    # Rendering the overlays is the point of these tests: without kubectl they must fail.
    assert found is not None, "kubectl is needed to render the kustomize overlays"
    return found


@cache
def _render(path: str) -> tuple[Doc, ...]:
    proc = subprocess.run(
        [kubectl(), "kustomize", path], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"`kubectl kustomize {path}` failed:\n{proc.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(proc.stdout) if doc)


def render(path: Path) -> list[Doc]:
    """The rendered objects (a fresh copy: tests may not leak changes into each other)."""
    return copy.deepcopy(list(_render(str(path))))


def overlay(name: str) -> list[Doc]:
    return render(K8S / "overlays" / name)


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_labels(deployment: Doc) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"].get("labels", {})


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def containers(deployment: Doc) -> list[Doc]:
    return deployment["spec"]["template"]["spec"]["containers"]


def api_deployments(docs: list[Doc]) -> dict[str, Doc]:
    return {
        name: d
        for name, d in of_kind(docs, "Deployment").items()
        if pod_labels(d).get("app.kubernetes.io/component") == "api"
    }


overlays = pytest.mark.parametrize("name", sorted(OVERLAY_NAMESPACES))


# --- schema validity ---------------------------------------------------------------------


@overlays
def test_overlay_renders_objects_valid_for_kubernetes(name: str) -> None:
    docs = overlay(name)
    assert docs, f"{name} rendered nothing"
    errors = []
    for doc in docs:
        where = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{where}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{where}: {exc.message} (a CRD? keep those out of validated overlays)")
    assert not errors, "\n".join(errors)


@overlays
def test_everything_lands_in_the_overlay_namespace(name: str) -> None:
    docs = overlay(name)
    expected = OVERLAY_NAMESPACES[name]
    misplaced = [
        f"{d['kind']}/{d['metadata']['name']} -> {d['metadata'].get('namespace')}"
        for d in docs
        if d["kind"] not in CLUSTER_SCOPED_KINDS and d["metadata"].get("namespace") != expected
    ]
    assert not misplaced
    namespaces = of_kind(docs, "Namespace")
    assert list(namespaces) == [expected]
    labels = namespaces[expected]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


@overlays
def test_every_object_is_labelled_part_of_xuebuting(name: str) -> None:
    unlabelled = [
        f"{d['kind']}/{d['metadata']['name']}"
        for d in overlay(name)
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "xuebuting"
    ]
    assert not unlabelled


# --- pods --------------------------------------------------------------------------------


def _effective(container: Doc, pod_spec: Doc, key: str) -> Any:
    """A securityContext field as the kubelet applies it: the container's, else the pod's."""
    own = container.get("securityContext", {})
    if key in own:
        return own[key]
    return pod_spec.get("securityContext", {}).get(key)


@overlays
def test_every_container_is_probed_bounded_and_locked_down(name: str) -> None:
    deployments = of_kind(overlay(name), "Deployment")
    assert {
        "identity",
        "identity-worker",
        "catalog",
        "catalog-worker",
        "tasks",
        "tasks-worker",
        "gateway",
    } <= set(deployments)
    for dep_name, dep in deployments.items():
        pod = dep["spec"]["template"]["spec"]
        assert pod.get("automountServiceAccountToken") is False, dep_name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in containers(dep):
            where = f"{dep_name}/{c['name']}"
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            assert ports.get("http") == 8080, where
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, f"{where} has no {probe}"
                port = c[probe]["httpGet"]["port"]
                assert port in ports or port in ports.values(), f"{where} {probe} port {port}"
            assert c["livenessProbe"]["httpGet"]["path"] == "/livez", where
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", where

            resources = c.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), f"{where} {bound}"

            assert _effective(c, pod, "runAsNonRoot") is True, where
            assert _effective(c, pod, "runAsUser") == 10001, where
            assert _effective(c, pod, "seccompProfile") == {"type": "RuntimeDefault"}, where
            sc = c.get("securityContext", {})
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert "ALL" in sc.get("capabilities", {}).get("drop", []), where

            tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
            assert len(tmp) == 1, f"{where}: /tmp must be writable with a read-only root"
            assert "emptyDir" in volumes[tmp[0]["name"]], where


@overlays
def test_each_api_deployment_has_an_hpa_and_a_pdb_for_it_alone(name: str) -> None:
    docs = overlay(name)
    deployments = of_kind(docs, "Deployment")
    apis = api_deployments(docs)
    assert set(apis) == API_DEPLOYMENTS
    hpas = of_kind(docs, "HorizontalPodAutoscaler")
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for dep_name, dep in apis.items():
        targeting = [
            h
            for h in hpas.values()
            if h["spec"]["scaleTargetRef"]
            == {"apiVersion": "apps/v1", "kind": "Deployment", "name": dep_name}
        ]
        assert len(targeting) == 1, f"{dep_name}: {len(targeting)} HPAs"
        hpa = targeting[0]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert any(
            m["type"] == "Resource"
            and m["resource"]["name"] == "cpu"
            and m["resource"]["target"]["type"] == "Utilization"
            for m in hpa["spec"]["metrics"]
        ), dep_name
        spec = hpa["spec"]
        assert 1 <= spec["minReplicas"] <= dep["spec"]["replicas"] <= spec["maxReplicas"], dep_name

        covering = [
            p
            for p in pdbs.values()
            if selects(p["spec"]["selector"]["matchLabels"], pod_labels(dep))
        ]
        assert len(covering) == 1, f"{dep_name}: {len(covering)} PDBs"
        pdb = covering[0]
        assert pdb["apiVersion"] == "policy/v1"
        assert "minAvailable" in pdb["spec"] or "maxUnavailable" in pdb["spec"]
        others = [n for n, d in deployments.items() if n != dep_name]
        for other in others:
            assert not selects(
                pdb["spec"]["selector"]["matchLabels"], pod_labels(deployments[other])
            )


def test_base_pdbs_keep_one_api_pod() -> None:
    pdbs = of_kind(render(K8S / "base"), "PodDisruptionBudget")
    assert set(pdbs) == API_DEPLOYMENTS
    assert all(p["spec"]["minAvailable"] == 1 for p in pdbs.values())


@overlays
def test_services_send_port_80_to_the_api_pods_only(name: str) -> None:
    docs = overlay(name)
    deployments = of_kind(docs, "Deployment")
    services = of_kind(docs, "Service")
    assert set(services) == API_DEPLOYMENTS
    for svc_name, svc in services.items():
        assert svc["spec"]["type"] == "ClusterIP"
        chosen = [
            n for n, d in deployments.items() if selects(svc["spec"]["selector"], pod_labels(d))
        ]
        assert chosen == [svc_name], f"Service {svc_name} selects {chosen}"
        (port,) = svc["spec"]["ports"]
        assert port["port"] == 80
        container_ports = {
            p.get("name"): p["containerPort"] for p in containers(deployments[svc_name])[0]["ports"]
        }
        target = port["targetPort"]
        assert container_ports.get(target, target) == 8080


@overlays
@pytest.mark.parametrize("service", sorted(WORKERS))
def test_workers_run_apart_from_the_api(name: str, service: str) -> None:
    deployments = of_kind(overlay(name), "Deployment")
    worker_name, package = WORKERS[service]
    (api,) = containers(deployments[service])
    (worker,) = containers(deployments[worker_name])
    assert worker["image"] == api["image"], "one image, two commands"
    assert worker["command"] == ["python", "-m", f"{package}.worker"]
    assert api["command"][:2] == ["uvicorn", f"{package}.main:app"]
    assert plain_env(worker)["XBT_RUN_WORKERS"] == "true"
    for dep_name in API_DEPLOYMENTS:
        (c,) = containers(deployments[dep_name])
        assert plain_env(c)["XBT_RUN_WORKERS"] == "false", dep_name
    assert pod_labels(deployments[worker_name])["app.kubernetes.io/component"] == "worker"


def test_gateway_routes_to_the_services_in_cluster() -> None:
    (gateway,) = containers(of_kind(overlay("city"), "Deployment")["gateway"])
    upstreams = json.loads(plain_env(gateway)["XBT_GATEWAY_UPSTREAMS"])
    assert upstreams == {
        "identity": "http://identity",
        "catalog": "http://catalog",
        "tasks": "http://tasks",
    }
    # Every routed name is an API Service of the suite.
    services = of_kind(overlay("city"), "Service")
    assert {url.removeprefix("http://") for url in upstreams.values()} <= set(services)


# --- configuration and secrets -----------------------------------------------------------


def plain_env(container: Doc) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def secret_key_refs(container: Doc) -> list[Doc]:
    """The single Secret keys a container's `env` takes (`valueFrom.secretKeyRef`)."""
    return [
        e["valueFrom"]["secretKeyRef"]
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    ]


@overlays
def test_env_sources_exist_or_are_provided_by_the_cluster(name: str) -> None:
    docs = overlay(name)
    configmaps = of_kind(docs, "ConfigMap")
    secrets = of_kind(docs, "Secret")
    referenced: set[str] = set()
    for dep_name, dep in of_kind(docs, "Deployment").items():
        for c in containers(dep):
            for source in c.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps, dep_name
                elif "secretRef" in source and not source["secretRef"].get("optional"):
                    referenced.add(source["secretRef"]["name"])
            for ref in secret_key_refs(c):
                referenced.add(ref["name"])
                if name == "dev":
                    assert ref["key"] in secrets[ref["name"]]["data"], f"{dep_name}: {ref}"
    if name == "dev":
        assert referenced <= set(secrets), f"dev must generate {referenced - set(secrets)}"
        assert {n.rsplit("-", 1)[0] for n in referenced} == EXTERNAL_SECRETS
    else:
        assert not secrets, "production secrets are never committed"
        assert referenced == EXTERNAL_SECRETS, "update EXTERNAL_SECRETS and the README together"
        readme = (K8S / "README.md").read_text()
        assert all(f"`{secret}`" in readme for secret in EXTERNAL_SECRETS)


def test_the_gateway_gets_no_database_or_signing_secrets() -> None:
    (gateway,) = containers(of_kind(overlay("city"), "Deployment")["gateway"])
    names = {s["secretRef"]["name"] for s in gateway.get("envFrom", []) if "secretRef" in s}
    assert not names & EXTERNAL_SECRETS


def test_dev_secrets_are_obviously_not_real() -> None:
    for secret in of_kind(overlay("dev"), "Secret").values():
        for key, value in secret["data"].items():
            text = base64.b64decode(value).decode()
            assert not text or "dev" in text, f"{secret['metadata']['name']}.{key}"


def container_env(
    container: Doc, docs: list[Doc], *, stand_ins: dict[str, dict[str, str]] | None = None
) -> dict[str, str]:
    """The environment the kubelet would give the container (envFrom, then env with $(X)).

    `stand_ins` gives the data of Secrets that the cluster provides (absent from the output).
    """
    configmaps = of_kind(docs, "ConfigMap")
    secrets = {
        name: {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
        for name, secret in of_kind(docs, "Secret").items()
    }
    secrets.update(stand_ins or {})
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(configmaps[source["configMapRef"]["name"]]["data"])
        elif "secretRef" in source:
            data = secrets.get(source["secretRef"]["name"])
            if data is None:
                assert source["secretRef"].get("optional"), source
                continue
            env.update(data)
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = re.sub(
                r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                lambda m: env.get(m.group(1), m.group(0)),
                entry["value"],
            )
        elif "secretKeyRef" in entry.get("valueFrom", {}):
            ref = entry["valueFrom"]["secretKeyRef"]
            data = secrets.get(ref["name"])
            if data is None or ref["key"] not in data:
                assert ref.get("optional"), ref
                continue
            env[entry["name"]] = data[ref["key"]]
    return env


# What an operator puts in the production Secrets (shape only; the keys the README lists).
CITY_SECRET_STAND_INS = {
    "xbt-mongodb": {"XBT_MONGODB_URI": "mongodb://mongodb-0.mongodb:27017/?replicaSet=rs0"},
    "xbt-identity-signing-key": {
        "XBT_IDENTITY_SIGNING_KEY_PEM": "-----BEGIN PRIVATE KEY-----\nstand-in\n",
        "XBT_IDENTITY_RSA_SIGNING_KEY_PEM": "-----BEGIN PRIVATE KEY-----\nstand-in\n",
    },
    "xbt-identity-service-clients": {
        "XBT_IDENTITY_TASKS_CLIENT_SECRET": "stand-in-for-openssl-rand-base64-32-output",
    },
}


def settings_class(package: str) -> type:
    module = importlib.import_module(f"{package}.settings")
    from xbt_shared.settings import CommonSettings

    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, CommonSettings)
        and obj is not CommonSettings
        and obj.__module__ == module.__name__
    ]
    assert len(found) == 1, f"{package}.settings: expected one settings class, found {found}"
    return found[0]


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key in list(os.environ):
        if key.startswith("XBT_"):
            monkeypatch.delenv(key)
    yield monkeypatch


@overlays
@pytest.mark.parametrize(
    ("deployment", "package"),
    [
        ("identity", "xbt_identity"),
        ("identity-worker", "xbt_identity"),
        ("catalog", "xbt_catalog"),
        ("catalog-worker", "xbt_catalog"),
        ("tasks", "xbt_tasks"),
        ("tasks-worker", "xbt_tasks"),
        ("gateway", "xbt_gateway"),
    ],
)
def test_manifest_env_is_what_the_settings_read(
    name: str, deployment: str, package: str, clean_environ: pytest.MonkeyPatch
) -> None:
    """Loads the service's settings class from exactly the container's environment: every
    common value the manifests set must arrive in the settings (or the pods would run on
    development defaults), and the settings' own checks must accept it (city runs prod)."""
    docs = overlay(name)
    (container,) = containers(of_kind(docs, "Deployment")[deployment])
    env = container_env(
        container, docs, stand_ins=CITY_SECRET_STAND_INS if name == "city" else None
    )
    cls = settings_class(package)
    for key, value in env.items():
        clean_environ.setenv(key, value)
    settings = cls()
    expected = {
        "environment": env["XBT_ENVIRONMENT"],
        "redis_url": env["XBT_REDIS_URL"],
        "amqp_url": env["XBT_AMQP_URL"],
        "jwks_url": env["XBT_JWKS_URL"],
        "jwt_issuer": env["XBT_JWT_ISSUER"],
        "run_workers": env["XBT_RUN_WORKERS"] == "true",
    }
    if "XBT_MONGODB_URI" in env:
        expected["mongodb_uri"] = env["XBT_MONGODB_URI"]
    if package == "xbt_identity" and deployment == "identity":
        expected["issuer"] = env["XBT_JWT_ISSUER"]
    if package == "xbt_tasks":
        # In-cluster: the catalog's Service, and identity's token endpoint behind its Service.
        expected["catalog_url"] = "http://catalog"
        expected["token_url"] = "http://identity/v1/oidc/token"
        # Class rosters from identity's Service (not the development default, 127.0.0.1).
        expected["identity_url"] = "http://identity"
    actual = {field: getattr(settings, field) for field in expected}
    assert actual == expected, f"{cls.__name__} does not read what the {deployment} pods are given"


@overlays
@pytest.mark.parametrize("deployment", ["tasks", "tasks-worker"])
def test_tasks_holds_the_client_secret_identity_checks(
    name: str, deployment: str, clean_environ: pytest.MonkeyPatch
) -> None:
    """One Secret feeds both sides of the tasks service's client credentials: what the tasks
    pods send is what identity compares with (a mismatch would fail every service token)."""
    docs = overlay(name)
    deployments = of_kind(docs, "Deployment")
    stand_ins = CITY_SECRET_STAND_INS if name == "city" else None

    def settings_of(dep: str, package: str) -> Any:
        (container,) = containers(deployments[dep])
        for key in [k for k in os.environ if k.startswith("XBT_")]:
            clean_environ.delenv(key)
        for key, value in container_env(container, docs, stand_ins=stand_ins).items():
            clean_environ.setenv(key, value)
        return settings_class(package)()

    identity = settings_of("identity", "xbt_identity")
    tasks = settings_of(deployment, "xbt_tasks")
    sent = tasks.client_secret.get_secret_value()
    assert sent == identity.tasks_client_secret.get_secret_value()
    assert sent, "the tasks client must not be switched off"


def test_city_secret_stand_ins_match_the_dev_secrets() -> None:
    """The stand-ins above have the keys the dev overlay generates for the same Secrets."""
    dev = {
        n.rsplit("-", 1)[0]: set(s["data"]) for n, s in of_kind(overlay("dev"), "Secret").items()
    }
    assert dev == {name: set(data) for name, data in CITY_SECRET_STAND_INS.items()}


# --- scale and images --------------------------------------------------------------------


def test_city_runs_more_and_larger_pods_than_dev() -> None:
    dev, city = overlay("dev"), overlay("city")
    dev_deps, city_deps = of_kind(dev, "Deployment"), of_kind(city, "Deployment")
    assert city_deps["gateway"]["spec"]["replicas"] == 6
    assert city_deps["identity"]["spec"]["replicas"] == 4
    assert city_deps["catalog"]["spec"]["replicas"] == 4
    assert city_deps["tasks"]["spec"]["replicas"] == 4
    for dep_name in API_DEPLOYMENTS:
        assert city_deps[dep_name]["spec"]["replicas"] > dev_deps[dep_name]["spec"]["replicas"]
    dev_hpa, city_hpa = (
        of_kind(dev, "HorizontalPodAutoscaler"),
        of_kind(city, "HorizontalPodAutoscaler"),
    )
    for hpa_name in API_DEPLOYMENTS:
        assert city_hpa[hpa_name]["spec"]["minReplicas"] > dev_hpa[hpa_name]["spec"]["minReplicas"]
        assert city_hpa[hpa_name]["spec"]["maxReplicas"] > dev_hpa[hpa_name]["spec"]["maxReplicas"]
    (dev_gw,), (city_gw,) = containers(dev_deps["gateway"]), containers(city_deps["gateway"])
    assert _memory_mib(city_gw["resources"]["limits"]["memory"]) > _memory_mib(
        dev_gw["resources"]["limits"]["memory"]
    )


def _memory_mib(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024}
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * units[unit]


def test_city_images_are_pinned() -> None:
    for dep in of_kind(overlay("city"), "Deployment").values():
        for c in containers(dep):
            image = c["image"]
            repo, _, tag = image.rpartition(":")
            assert "/" in repo and "." in repo.split("/")[0], f"{image}: registry-qualified"
            assert "@sha256:" in image or (tag and tag != "latest" and "/" not in tag), image


# --- components --------------------------------------------------------------------------


@overlays
def test_ingress_is_denied_except_the_planned_paths(name: str) -> None:
    docs = overlay(name)
    policies = of_kind(docs, "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    deployments = of_kind(docs, "Deployment")

    def allowed_from(target: str) -> list[Doc]:
        labels = pod_labels(deployments[target])
        return [
            peer
            for p in policies.values()
            if selects(p["spec"]["podSelector"].get("matchLabels", {}), labels)
            for rule in p["spec"].get("ingress", [])
            for peer in rule.get("from", [])
        ]

    gateway_peers = allowed_from("gateway")
    assert any("namespaceSelector" in peer for peer in gateway_peers), "ingress controller"
    identity_peers = allowed_from("identity")
    gateway_labels = pod_labels(deployments["gateway"])
    assert any(
        "podSelector" in peer and selects(peer["podSelector"]["matchLabels"], gateway_labels)
        for peer in identity_peers
    ), "gateway -> identity"

    def admits(peers: list[Doc], source: str) -> bool:
        labels = pod_labels(deployments[source])
        return any(
            "podSelector" in peer and selects(peer["podSelector"]["matchLabels"], labels)
            for peer in peers
        )

    catalog_peers = allowed_from("catalog")
    assert admits(catalog_peers, "gateway"), "gateway -> catalog"
    assert admits(catalog_peers, "tasks"), "tasks -> catalog (resources and items)"
    assert not admits(catalog_peers, "tasks-worker"), "only the tasks API calls the catalog"
    tasks_peers = allowed_from("tasks")
    assert admits(tasks_peers, "gateway"), "gateway -> tasks"
    assert not admits(tasks_peers, "catalog"), "nothing but the gateway calls tasks"
    for source in ("tasks", "tasks-worker"):
        assert admits(identity_peers, source), f"{source} -> identity (JWKS, service token)"
    # No pod accepts traffic from every namespace.
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                assert peer.get("namespaceSelector") != {}, policy["metadata"]["name"]


def test_city_pods_are_annotated_for_prometheus_and_dev_is_not() -> None:
    for dep_name, dep in of_kind(overlay("city"), "Deployment").items():
        annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/scrape") == "true", dep_name
        port = int(annotations["prometheus.io/port"])
        assert port in {p["containerPort"] for p in containers(dep)[0]["ports"]}, dep_name
        assert annotations.get("prometheus.io/path") == "/metrics", dep_name
    for dep in of_kind(overlay("dev"), "Deployment").values():
        assert "annotations" not in dep["spec"]["template"]["metadata"]


def test_prometheus_operator_component_builds_on_city(tmp_path: Path) -> None:
    """Its objects are CRDs, so no validated overlay uses it; it must still render."""
    overlay_dir = tmp_path / "city-with-operator"
    overlay_dir.mkdir()
    (overlay_dir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                # An overlay adding the component sets its namespace, as city's own does.
                "namespace": "xbt",
                # kustomize takes relative paths only.
                "resources": [os.path.relpath(K8S / "overlays" / "city", overlay_dir)],
                "components": [
                    os.path.relpath(K8S / "components" / "prometheus-operator", overlay_dir)
                ],
            }
        )
    )
    docs = render(overlay_dir)
    monitors = [d for d in docs if d["apiVersion"] == "monitoring.coreos.com/v1"]
    assert {d["kind"] for d in monitors} == {"ServiceMonitor", "PodMonitor"}
    assert all(d["metadata"]["namespace"] == "xbt" for d in monitors)


# --- images ------------------------------------------------------------------------------


def image_command(service: str) -> list[str]:
    """What the image built with SERVICE=`service` runs when nothing else is said: its
    CMD (a `sh -c` script) run by a real shell, with XBT_APP as the runtime stage sets it
    and a stand-in `uvicorn` on the PATH that prints its process id and its arguments."""
    text = DOCKERFILE.read_text()
    cmds = [line for line in text.splitlines() if line.startswith("CMD ")]
    assert len(cmds) == 1, "one CMD"
    shell, flag, script = json.loads(cmds[0].removeprefix("CMD "))
    assert (shell, flag) == ("sh", "-c")
    (app,) = re.findall(r'XBT_APP="([^"]+)"', text)
    with tempfile.TemporaryDirectory() as tmp:
        stand_in = Path(tmp) / "uvicorn"
        stand_in.write_text("#!/bin/sh\necho $$\nprintf '%s\\n' \"$@\"\n")
        stand_in.chmod(0o755)
        env = {"PATH": f"{tmp}:/usr/bin:/bin", "XBT_APP": app.replace("${SERVICE}", service)}
        proc = subprocess.Popen([shell, flag, script], env=env, stdout=subprocess.PIPE, text=True)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    pid, *args = out.splitlines()
    assert int(pid) == proc.pid, "the app replaces the shell (signals reach uvicorn)"
    return ["uvicorn", *args]


def test_the_dockerfile_builds_one_locked_package_as_non_root() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(
        r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, flags=re.MULTILINE | re.IGNORECASE
    )
    assert len(stages) >= 2, "multi-stage"
    assert all(image == "python:3.11-slim" for image, _ in stages)
    # SERVICE is declared in every stage (a build argument is scoped to its stage) and
    # refused when missing, so no image is built for "xbt-".
    assert len(re.findall(r"^ARG SERVICE$", text, flags=re.MULTILINE)) == len(stages)
    assert 'test -n "$SERVICE"' in text
    syncs = re.findall(r'uv sync --frozen --no-dev --package "xbt-\$\{SERVICE\}"', text)
    assert len(syncs) == 2  # third-party layer, then the workspace
    lock = (REPO / "uv.lock").read_text()
    for service in IMAGE_SERVICES:
        assert f'name = "xbt-{service}"' in lock
    final = text[text.rfind("\nFROM ") :]
    assert re.search(r"^USER 10001(:10001)?$", final, flags=re.MULTILINE)
    assert re.search(r"^EXPOSE 8080$", final, flags=re.MULTILINE)
    assert "PYTHONDONTWRITEBYTECODE=1" in final
    # Every file the build copies from the context exists (the context is the repo root).
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.MULTILINE):
        *sources, _dest = line.split()
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}"


@pytest.mark.parametrize("service", IMAGE_SERVICES)
def test_the_images_default_command_matches_the_api_deployment(service: str) -> None:
    (c,) = containers(of_kind(render(K8S / "base"), "Deployment")[service])
    assert image_command(service) == c["command"]


def test_the_gateway_runs_its_edge_protocol_in_the_image_and_the_cluster() -> None:
    """The public port bounds slow and oversized requests (xbt_gateway.server); the other
    services, reached only inside the cluster, run uvicorn's default protocol."""
    from xbt_gateway.server import UVICORN_ARGS

    (c,) = containers(of_kind(render(K8S / "base"), "Deployment")["gateway"])
    for command in (c["command"], image_command("gateway")):
        at = command.index(UVICORN_ARGS[0])
        assert tuple(command[at : at + len(UVICORN_ARGS)]) == UVICORN_ARGS
    for service in set(IMAGE_SERVICES) - {"gateway"}:
        assert "--http" not in image_command(service)


def test_dockerignore_keeps_the_context_small_but_sufficient() -> None:
    patterns = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "**/__pycache__", "**/.pytest_cache"} <= patterns
    for needed in ("pyproject.toml", "uv.lock", "shared", "services", "gateway", "**/src", "*"):
        assert needed not in patterns


def _entrypoint_modules() -> list[str]:
    modules = set()
    for service in IMAGE_SERVICES:
        modules.add(image_command(service)[1].split(":")[0])
    # Parsed from the base sources (not rendered) so collection needs no kubectl.
    for manifest in (K8S / "base").glob("*.yaml"):
        for doc in yaml.safe_load_all(manifest.read_text()):
            if doc and doc.get("kind") == "Deployment":
                for c in containers(doc):
                    command = c["command"]
                    if command[0] == "uvicorn":
                        modules.add(command[1].split(":")[0])
                    elif command[:2] == ["python", "-m"]:
                        modules.add(command[2])
    return sorted(modules)


@pytest.mark.parametrize("module", _entrypoint_modules())
def test_entrypoint_module_exists(module: str) -> None:
    """The images and manifests start `xbt_<name>.main:app` / `python -m xbt_<name>.worker`."""
    relative = Path(*module.split(".")).with_suffix(".py")
    candidates = [root / relative for root in SOURCE_ROOTS]
    assert any(p.is_file() for p in candidates), f"{module}: none of {candidates} exists"
