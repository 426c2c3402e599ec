"""The deployment files (deploy/): rendered and validated offline, checked against the code.

Kubernetes: both kustomize layouts (deploy/k8s demo, deploy/k8s/city) are rendered by a small
renderer of the kustomize fields they use (cross-checked with `kubectl kustomize` where kubectl
is installed) and every object is validated against the Kubernetes 1.29 schemas bundled with
kubernetes-validate, strictly (unknown fields fail). Compose is read as YAML. Then: every
variable they pass is in the README's configuration table, every probe asks a path the code
serves, the addresses in the ConfigMap reach the Services, more than one of anything shares
Redis/PostgreSQL and the session secret, and Rasa's lock store is Redis.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml

from common.settings import PROJECT_ROOT, Settings, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
SECRET_TEMPLATE = K8S / "secret.example.yaml"
SECRET_NAME = "citizen-assistant-secrets"
KUBERNETES_VERSION = "1.29"
LAYOUTS = {"demo": K8S, "city": K8S / "city"}

# Variables a deployment passes that belong to a third-party program, not to this project's
# settings, and where each may appear. Everything else must be in the README's table.
THIRD_PARTY = {
    "SANIC_WORKERS": {"rasa", "compose"},  # Rasa's Sanic workers (rasa.core.utils.number_of_sanic_workers)
    "POSTGRES_USER": {"postgres"},  # the postgres image
    "POSTGRES_DB": {"postgres"},
    "POSTGRES_PASSWORD": {"postgres", "compose"},
}
# What each process shares once there is more than one of it (all from the Secret).
SHARED_STATE = {
    "gateway": {"REDIS_URL", "AGENT_SESSION_SECRET", "DATABASE_URL"},
    "rasa": {"REDIS_URL"},
    "actions": {"DATABASE_URL"},
}
# RSS after start, README "Measured on this machine": the requests must cover it.
MEASURED_NAMES = {
    "Rasa": "rasa",
    "gateway": "gateway",
    "action server": "actions",
    "sandbox": "sandbox",
    "notices sender": "notices",
}


# --- loading and rendering -------------------------------------------------------------------


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def _merge(target: Any, patch: Any) -> Any:
    """Strategic merge as kustomize applies it to what our patches touch: maps merge, lists of
    named items merge by name, anything else is replaced."""
    if isinstance(target, dict) and isinstance(patch, dict):
        merged = dict(target)
        for key, value in patch.items():
            merged[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return merged
    if (
        isinstance(target, list)
        and isinstance(patch, list)
        and all(isinstance(item, dict) and "name" in item for item in [*target, *patch])
    ):
        by_name = {item["name"]: item for item in target}
        merged_list = [
            _merge(by_name[item["name"]], item) if item["name"] in by_name else item for item in patch
        ]
        patched = {item["name"] for item in patch}
        return [item for item in target if item["name"] not in patched] + merged_list
    return copy.deepcopy(patch)


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def render(directory: Path) -> list[dict[str, Any]]:
    """kustomize build of `directory`, for the fields our kustomizations use (others fail)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unsupported = set(kustomization) - {"apiVersion", "kind", "namespace", "resources", "patches", "images"}
    assert not unsupported, f"{directory}: teach render() {sorted(unsupported)} before using it"
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else _documents(path))
    for patch_entry in kustomization.get("patches", []):
        assert set(patch_entry) == {"path"}, f"only file patches are rendered here: {patch_entry}"
        for patch in _documents(directory / patch_entry["path"]):
            key = (patch["kind"], patch["metadata"]["name"])
            matches = [i for i, obj in enumerate(objects) if (obj["kind"], obj["metadata"]["name"]) == key]
            assert len(matches) == 1, f"patch {patch_entry['path']} matches {len(matches)} objects"
            objects[matches[0]] = _merge(objects[matches[0]], patch)
    for image in kustomization.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
    if "namespace" in kustomization:
        for obj in objects:
            if obj["kind"] != "Namespace":
                obj["metadata"]["namespace"] = kustomization["namespace"]
    return objects


RENDERED = {name: render(path) for name, path in LAYOUTS.items()}


def _objects(layout: str, kind: str) -> dict[str, dict[str, Any]]:
    return {obj["metadata"]["name"]: obj for obj in RENDERED[layout] if obj["kind"] == kind}


def _all_rendered() -> Iterator[tuple[str, dict[str, Any]]]:
    for layout, objects in RENDERED.items():
        for obj in objects:
            yield layout, obj


def _role(container: dict[str, Any]) -> str:
    return container["args"][0]


def _deployment_containers(layout: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for deployment in _objects(layout, "Deployment").values():
        for container in _containers(deployment):
            yield deployment, container


def _secret_template() -> dict[str, Any]:
    (secret,) = _documents(SECRET_TEMPLATE)
    return secret


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


# --- the README's configuration table ----------------------------------------------------------


def readme_variables() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def _documented(name: str, where: str) -> bool:
    # `<KEY>_API_URL`: the README documents the pattern, so a city's new department is covered.
    return (
        name in README_VARIABLES
        or re.fullmatch(r"[A-Z][A-Z0-9_]*_API_URL", name) is not None
        or where in THIRD_PARTY.get(name, set())
    )


README_VARIABLES = readme_variables()


def test_the_readme_table_is_parsed() -> None:
    assert {
        "REDIS_URL",
        "AGENT_SESSION_SECRET",
        "DATABASE_URL",
        "RASA_URL",
        "WATER_API_URL",
    } <= README_VARIABLES


# --- Kubernetes --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_object_validates_against_the_kubernetes_schemas(layout: str) -> None:
    errors = []
    for obj in RENDERED[layout]:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {error.message} at {list(error.path)}")
    assert not errors, "\n".join(errors)


def test_the_secret_template_validates_and_holds_no_value() -> None:
    secret = _secret_template()
    kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)
    assert secret["metadata"]["name"] == SECRET_NAME
    assert "data" not in secret
    assert all("REPLACE_ME" in value for value in secret["stringData"].values())
    assert not [obj for _, obj in _all_rendered() if obj["kind"] == "Secret"], (
        "kustomize must not apply a Secret from the repository over the city's real one"
    )


def test_every_manifest_file_is_used() -> None:
    used = {SECRET_TEMPLATE}
    for kustomization in K8S.rglob("kustomization.yaml"):
        used.add(kustomization)
        spec = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        used.update((kustomization.parent / entry).resolve() for entry in spec.get("resources", []))
        used.update((kustomization.parent / entry["path"]).resolve() for entry in spec.get("patches", []))
    files = {path.resolve() for path in K8S.rglob("*.yaml")}
    assert files - used == set(), "manifests no kustomization uses"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_renderer_agrees_with_kubectl_kustomize(layout: str) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(LAYOUTS[layout])], capture_output=True, text=True, timeout=30, check=True
    )

    def keyed(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}

    assert keyed(list(yaml.safe_load_all(built.stdout))) == keyed(RENDERED[layout])


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_variable_passed_is_in_the_readme(layout: str) -> None:
    missing = set()
    for name, config in _objects(layout, "ConfigMap").items():
        missing |= {(f"ConfigMap/{name}", key) for key in config["data"] if not _documented(key, "configmap")}
    for deployment, container in _deployment_containers(layout):
        role = _role(container)
        names = {item["name"] for item in container.get("env", [])}
        for source in container.get("envFrom", []):
            assert set(source) == {"configMapRef"}, "secrets are passed key by key (secretKeyRef)"
            names |= set(_objects(layout, "ConfigMap")[source["configMapRef"]["name"]]["data"])
        missing |= {(deployment["metadata"]["name"], name) for name in names if not _documented(name, role)}
    missing |= {("Secret", key) for key in _secret_template()["stringData"] if not _documented(key, "secret")}
    assert not missing, f"not in the README's configuration table: {sorted(missing)}"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_secret_reference_exists_in_the_template(layout: str) -> None:
    keys = set(_secret_template()["stringData"])
    for _deployment, container in _deployment_containers(layout):
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == SECRET_NAME and ref["key"] in keys, item


def _scaled_beyond_one(layout: str) -> dict[str, dict[str, Any]]:
    autoscaled = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["maxReplicas"]
        for hpa in _objects(layout, "HorizontalPodAutoscaler").values()
    }
    return {
        name: deployment
        for name, deployment in _objects(layout, "Deployment").items()
        if max(deployment["spec"].get("replicas", 1), autoscaled.get(name, 1)) > 1
    }


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_more_than_one_of_anything_shares_its_state_and_the_session_secret(layout: str) -> None:
    scaled = _scaled_beyond_one(layout)
    assert {"gateway", "rasa", "actions"} <= set(scaled)
    for name, deployment in scaled.items():
        (container,) = _containers(deployment)
        role = _role(container)
        assert role in SHARED_STATE, f"{name} runs more than once but shares no state: keep it at one"
        from_secret = {
            item["name"]
            for item in container.get("env", [])
            if item.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == SECRET_NAME
            and not item["valueFrom"]["secretKeyRef"].get("optional", False)
        }
        assert SHARED_STATE[role] <= from_secret, f"{name}: {SHARED_STATE[role] - from_secret}"
    demo_only = [
        d
        for d in _objects(layout, "Deployment").values()
        if "citizen-assistant/demo-only" in d["metadata"]["labels"]
    ]
    assert all(d["spec"]["replicas"] == 1 for d in demo_only)
    assert (layout == "city") == (not demo_only), "the city layout carries no sandbox, the demo one does"


def test_rasa_gets_the_redis_lock_store_and_the_action_server(tmp_path: Path) -> None:
    container = _load_container_module()
    for layout in LAYOUTS:
        (rasa,) = _containers(_objects(layout, "Deployment")["rasa"])
        config = _objects(layout, "ConfigMap")["citizen-assistant-config"]["data"]
        env = {**config, **{item["name"]: item.get("value", "") for item in rasa["env"]}}
        assert env["REDIS_URL"] == "", "REDIS_URL comes from the Secret: the city's Redis"
        # What deploy/container.py renders (scripts/stack.py's render_endpoints) from the city's URL.
        env.update(
            REDIS_URL="redis://:secret@redis.city.example:6380/4",
            STATE_DIR=str(tmp_path / layout),
            RASA_AUTH_TOKEN="from-the-secret",
            ACTION_SERVER_TOKEN="from-the-secret",
        )
        argv, _extra = container.command("rasa", env)
        endpoints = yaml.safe_load(Path(argv[argv.index("--endpoints") + 1]).read_text(encoding="utf-8"))
        assert endpoints["lock_store"] == {
            "type": "scripts.rasa_lock_store.LeasedRedisLockStore",  # Rasa's, with leased tickets
            "url": "redis.city.example",
            "port": 6380,
            "password": "secret",
            "db": 5,
            "key_prefix": "citizen",
            "lease_seconds": 6.0,
        }
        assert endpoints["tracker_store"]["type"] == "redis" and endpoints["tracker_store"]["db"] == 4
        assert endpoints["action_endpoint"]["url"] == f"{config['ACTION_SERVER_URL']}/webhook"


def _served_paths(role: str) -> set[str]:
    if role == "gateway":
        from bot.app import create_app

        return set(create_app(load_settings({})).openapi()["paths"])
    if role == "sandbox":
        from sandbox.app import create_app

        return set(create_app(Settings()).openapi()["paths"])
    if role == "actions":
        spec = importlib.util.find_spec("rasa_sdk.endpoint")
        assert spec and spec.origin
        source = Path(spec.origin).read_text(encoding="utf-8")
    else:
        servers = sorted((PROJECT_ROOT / ".venv-rasa").glob("lib/python*/site-packages/rasa/server.py"))
        if not servers:
            pytest.skip("no .venv-rasa: `make install` creates it")
        source = servers[0].read_text(encoding="utf-8")
    return set(re.findall(r'@app\.(?:get|route)\(\s*"([^"]+)"', source))


def test_probes_ask_paths_the_code_serves() -> None:
    served: dict[str, set[str]] = {}
    for layout in LAYOUTS:
        for deployment, container in _deployment_containers(layout):
            role = _role(container)
            ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
            probes = {
                kind: container.get(kind) for kind in ("startupProbe", "readinessProbe", "livenessProbe")
            }
            assert probes["readinessProbe"] and probes["livenessProbe"], deployment["metadata"]["name"]
            for kind, probe in probes.items():
                if probe is None:
                    continue
                if "exec" in probe:
                    # The image's own health check (it reads the token a URL must not carry).
                    assert probe["exec"]["command"] == ["python", "/app/deploy/container.py", "health", role]
                    continue
                path = urlparse(probe["httpGet"]["path"]).path
                if role not in served:
                    served[role] = _served_paths(role)
                assert path in served[role], f"{role} {kind}: {path} is not served"
                assert probe["httpGet"]["port"] in ports
    # Readiness is the check `make run` waits for; liveness never depends on other processes.
    demo = dict(_deployment_containers_by_role("demo"))
    assert demo["gateway"]["readinessProbe"]["httpGet"]["path"] == "/health"
    assert demo["gateway"]["livenessProbe"]["httpGet"]["path"] != "/health"
    assert demo["rasa"]["readinessProbe"]["exec"]["command"][-2:] == ["health", "rasa"]


def _deployment_containers_by_role(layout: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for _deployment, container in _deployment_containers(layout):
        yield _role(container), container


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_the_configured_addresses_reach_the_services(layout: str) -> None:
    config = _objects(layout, "ConfigMap")["citizen-assistant-config"]["data"]
    services = _objects(layout, "Service")
    deployments = _objects(layout, "Deployment")
    for name in ("RASA_URL", "ACTION_SERVER_URL", "SANDBOX_URL"):
        url = urlparse(config[name])
        service = services[url.hostname]
        (port,) = [p for p in service["spec"]["ports"] if p["port"] == url.port]
        targets = [
            d
            for d in deployments.values()
            if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(targets) == 1, f"{name}: Service {url.hostname} selects {len(targets)} Deployments"
        (container,) = _containers(targets[0])
        named = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert named[port["targetPort"]] == url.port, f"{name}: the process listens on its URL's port"
    assert int(config["GATEWAY_PORT"]) in {
        p["containerPort"] for p in _containers(deployments["gateway"])[0]["ports"]
    }


def _bytes(quantity: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", quantity).groups()  # type: ignore[union-attr]
    return float(number) * units.get(unit, 1)


def test_resources_cover_the_measured_memory() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    (row,) = [line for line in readme.splitlines() if line.startswith("| stack memory after start")]
    measured = {
        MEASURED_NAMES[name]: float(mb) * 1e6
        for name, mb in re.findall(r"(Rasa|gateway|action server|sandbox|notices sender) (\d+) MB", row)
    }
    assert set(measured) == set(MEASURED_NAMES.values())
    for layout in LAYOUTS:
        for _deployment, container in _deployment_containers(layout):
            resources = container["resources"]
            request, limit = _bytes(resources["requests"]["memory"]), _bytes(resources["limits"]["memory"])
            assert request >= 1.2 * measured[_role(container)], (
                f"{_role(container)}: request below RSS + 20 %"
            )
            assert limit >= request and "cpu" in resources["requests"] and "cpu" in resources["limits"]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_gateway_and_rasa_autoscale_and_keep_one_through_disruptions(layout: str) -> None:
    deployments = _objects(layout, "Deployment")
    hpas = _objects(layout, "HorizontalPodAutoscaler")
    budgets = _objects(layout, "PodDisruptionBudget")
    for name in ("gateway", "rasa"):
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert (
            2
            <= hpa["spec"]["minReplicas"]
            <= deployments[name]["spec"]["replicas"]
            < hpa["spec"]["maxReplicas"]
        )
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert budgets[name]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        assert budgets[name]["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


# --- docker compose ----------------------------------------------------------------------------


def _compose_variables() -> Iterator[tuple[str, str]]:
    compose = _compose()
    for service_name, service in compose["services"].items():
        for name in service.get("environment", {}):
            yield service_name, name
        build = service.get("build", {})
        for name in build.get("args", {}) if isinstance(build, dict) else {}:
            yield service_name, name
    for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")):
        yield "compose", name
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            yield "compose", line.split("=", 1)[0]


def test_compose_passes_only_readme_variables() -> None:
    missing = {(where, name) for where, name in _compose_variables() if not _documented(name, where)}
    assert not missing, f"not in the README's configuration table: {sorted(missing)}"


def test_compose_services_are_healthchecked_restarted_and_ordered() -> None:
    services = _compose()["services"]
    assert set(services) == {"gateway", "rasa", "actions", "sandbox", "notices", "redis", "postgres"}
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services and condition == {"condition": "service_healthy"}, name
        if "command" in service and name not in {"redis"}:
            # App and Rasa containers: deploy/container.py ROLE, health-checked as that role.
            assert service["command"] == [name]
            assert service["healthcheck"]["test"][-2:] == ["health", name]
    assert set(services["gateway"]["depends_on"]) == {"rasa", "actions", "sandbox", "redis", "postgres"}


def test_compose_holds_no_secret_and_shares_state() -> None:
    services = _compose()["services"]
    gateway, rasa = services["gateway"]["environment"], services["rasa"]["environment"]
    assert gateway["AGENT_SESSION_SECRET"].startswith("${AGENT_SESSION_SECRET:?")
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert gateway["REDIS_URL"] == rasa["REDIS_URL"] and gateway["REDIS_URL"].startswith("redis://redis:")
    for name in ("gateway", "actions", "sandbox"):
        assert "${POSTGRES_PASSWORD:?" in services[name]["environment"]["DATABASE_URL"]
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert all(value in {"", "0", "REPLACE_ME"} for value in example.values())
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored


# --- images and their entry point ----------------------------------------------------------------


def _load_container_module() -> Any:
    spec = importlib.util.spec_from_file_location("deploy_container", DEPLOY / "container.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("deploy_container", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.rasa"])
def test_dockerfiles_run_as_a_user_with_a_healthcheck_and_copy_what_exists(dockerfile: str) -> None:
    text = (DEPLOY / dockerfile).read_text(encoding="utf-8")
    assert re.search(r"^USER 10001", text, re.M) and re.search(r"^HEALTHCHECK ", text, re.M)
    assert 'ENTRYPOINT ["python", "/app/deploy/container.py"]' in text
    assert (DEPLOY / f"{dockerfile}.dockerignore").exists()
    for sources in re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", text, re.M):
        for source in sources.split():
            if source != "." and "*" not in source:
                assert (PROJECT_ROOT / source).exists(), f"{dockerfile} copies missing {source}"
    requirements = (
        ["requirements/app.txt"]
        if dockerfile == "Dockerfile"
        else ["requirements/rasa.txt", "requirements/rasa-overrides.txt"]
    )
    for requirement in requirements:
        assert f"-r {requirement}" in text or f"--overrides {requirement}" in text


def test_container_entry_point_starts_what_the_stack_starts(tmp_path: Path) -> None:
    container = _load_container_module()
    env = {
        "RASA_URL": "http://rasa:5005",
        "ACTION_SERVER_URL": "http://actions:5055",
        "SANDBOX_URL": "http://sandbox:8100",
        "STATE_DIR": str(tmp_path),
        "RASA_AUTH_TOKEN": "rasa-token",
        "ACTION_SERVER_TOKEN": "actions-token",
        "SANDBOX_API_KEY": "sandbox-key",
    }
    gateway, _ = container.command("gateway", env)
    actions, actions_env = container.command("actions", env)
    sandbox, sandbox_env = container.command("sandbox", env)
    rasa, rasa_env = container.command("rasa", env)
    assert gateway[1:] == ["-m", "bot"]
    assert actions[1:] == [
        "-m",
        "actions.server",
        "-p",
        "5055",
    ]  # behind ACTION_SERVER_TOKEN, as the stack runs it
    assert actions_env == {"ACTION_SERVER_URL": "http://0.0.0.0:5055"}
    assert sandbox_env == {"SANDBOX_URL": "http://0.0.0.0:8100"}
    assert rasa[1].endswith("scripts/rasa_server.py") and rasa[2] == "run"
    assert rasa[rasa.index("--port") + 1] == "5005"
    assert rasa[rasa.index("--interface") + 1] == "0.0.0.0"
    assert "lock_store" not in yaml.safe_load((tmp_path / "endpoints.yml").read_text(encoding="utf-8"))
    assert rasa_env.get("RASA_TELEMETRY_ENABLED", "false") == "false"
    for argv, role in [(gateway, "gateway"), (actions, "actions"), (sandbox, "sandbox"), (rasa, "rasa")]:
        assert container.role_of(argv) == role
    assert rasa[rasa.index("--auth-token") + 1] == "rasa-token"
    endpoints = yaml.safe_load((tmp_path / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"]["token"] == "actions-token"
    assert container.health_check("rasa", env)[0] == "http://127.0.0.1:5005/status?token=rasa-token"
    assert container.health_check("gateway", env)[0] == "http://127.0.0.1:8000/health"
    assert container.health_check("rasa", env)[1](b'{"model_file": "citizen-1.tar.gz"}')
    assert not container.health_check("rasa", env)[1](b'{"model_file": null}')
    with pytest.raises(SystemExit, match="REDIS_URL"):
        container.command("rasa", {**env, "SANIC_WORKERS": "2"})


@pytest.mark.parametrize(
    ("role", "secret"),
    [
        ("rasa", "RASA_AUTH_TOKEN"),
        ("rasa", "ACTION_SERVER_TOKEN"),
        ("actions", "ACTION_SERVER_TOKEN"),
        ("gateway", "RASA_AUTH_TOKEN"),
        ("sandbox", "SANDBOX_API_KEY"),
        ("notices", "DATABASE_URL"),
    ],
)
def test_no_container_starts_its_service_open(role: str, secret: str, tmp_path: Path) -> None:
    container = _load_container_module()
    env = {
        "STATE_DIR": str(tmp_path),
        "RASA_AUTH_TOKEN": "t",
        "ACTION_SERVER_TOKEN": "t",
        "SANDBOX_API_KEY": "k",
        "DATABASE_URL": "postgresql://u:p@db/city",
        secret: " ",
    }
    with pytest.raises(SystemExit, match=secret):
        container.command(role, env)


def test_every_layout_hands_each_process_its_secrets() -> None:
    compose = _compose()["services"]
    for role, needed in {
        "gateway": {"RASA_AUTH_TOKEN", "DEPARTMENT_API_KEY"},
        "actions": {"ACTION_SERVER_TOKEN", "DEPARTMENT_API_KEY"},
        "rasa": {"RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"},
        "sandbox": {"SANDBOX_API_KEY"},
        "notices": {"DATABASE_URL", "REDIS_URL", "DEPARTMENT_API_KEY", "WECHAT_APP_SECRET"},
    }.items():
        assert needed <= set(compose[role]["environment"]), role
        for layout in LAYOUTS:
            containers = dict(_deployment_containers_by_role(layout))
            if role not in containers:
                continue
            names = {item["name"] for item in containers[role].get("env", [])}
            assert needed <= names, (layout, role)


# --- the notices sender ----------------------------------------------------------------------


def test_the_notices_sender_runs_once_shares_the_outbox_and_beats(tmp_path: Path) -> None:
    from notices import health

    container = _load_container_module()
    env = {"STATE_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u:p@db/city"}
    argv, extra = container.command("notices", env)
    assert argv[1:] == ["-m", "notices"] and extra == {} and container.role_of(argv) == "notices"
    # The heartbeat the process writes is the one the health check reads.
    assert (container.HEARTBEAT_FILE, container.HEARTBEAT_MAX_AGE_SECONDS) == (
        health.HEARTBEAT_FILE,
        health.HEARTBEAT_MAX_AGE_SECONDS,
    )
    assert not container.healthy("notices", env)
    heartbeat = health.heartbeat_path(tmp_path)
    health.beat(heartbeat)
    assert container.healthy("notices", env)
    stale = heartbeat.stat().st_mtime - health.HEARTBEAT_MAX_AGE_SECONDS - 1
    os.utime(heartbeat, (stale, stale))
    assert not container.healthy("notices", env)
    services = _compose()["services"]
    assert services["notices"]["environment"]["REDIS_URL"] == services["gateway"]["environment"]["REDIS_URL"]
    for layout in LAYOUTS:
        deployment = _objects(layout, "Deployment")["notices"]
        assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
        (container_spec,) = _containers(deployment)
        from_secret = {
            item["name"] for item in container_spec["env"] if "secretKeyRef" in item.get("valueFrom", {})
        }
        assert {"DATABASE_URL", "REDIS_URL", "DEPARTMENT_API_KEY"} <= from_secret
        policy = _objects(layout, "NetworkPolicy")["notices"]
        assert policy["spec"]["ingress"] == [], "it serves nothing"
    sandbox = _objects("demo", "NetworkPolicy")["sandbox"]
    allowed = [
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for peer in sandbox["spec"]["ingress"][0]["from"]
    ]
    assert "notices" in allowed, "the sender reads the demo departments"
