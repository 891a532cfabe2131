"""Static checks of compose/docker-compose.yml and compose/.env.example.

The compose file is validated against the Compose Specification's JSON schema, the copy that
the check-jsonschema package ships (its vendored compose-spec.json, Apache-2.0, taken from
the compose-spec project). The other checks encode what `docker compose up --scale` needs
and that no secret is written into the file.
"""

import json
import re
from importlib import resources

import jsonschema
import pytest

import deployment_files as files
from deployment_files import SCALED_SERVICES

# Environment variable names whose values are credentials.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)API_KEY$|(^|_)KEY$")
# user:password@ in a URL.
URL_CREDENTIALS = re.compile(r"://[^:/@\s]*:([^@\s]*)@")
# Operators that give a variable a value of its own when it is unset.
DEFAULT_OPERATORS = {":-", "-", ":+", "+"}

# Stage service -> settings section, as in the run-time contract (audit-sink reads `audit.*`).
STAGE_SECTIONS = {
    "ingress": "ingress",
    "authz": "authz",
    "ratelimit": "ratelimit",
    "audit-sink": "audit",
}
# Variables the stages read besides MEMGOV_<SECTION>_<KEY>.
SETTING_ALIASES = {"MEM0_URL", "MEM0_API_KEY", "OPA_URL", "DATABASE_URL", "REDIS_URL"}
BACKEND_SERVICES = ("postgres", "redis", "opa", "mem0", "mem0-db")


def compose_schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text())


def schema_errors(document: dict) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors]


def single_reference(value: str):
    """Return the one reference when `value` is exactly one ${NAME...}, else None."""
    found = files.references(value)
    if len(found) != 1 or not re.fullmatch(r"\$\{[^}]*\}", value.strip()):
        return None
    return found[0]


# --- schema --------------------------------------------------------------------------------


def test_compose_file_matches_schema(compose):
    errors = schema_errors(compose)
    assert errors == [], "\n".join(errors)


def test_schema_rejects_unknown_service_key():
    # Shows that the validation above can fail: the schema forbids unknown service keys.
    broken = {"services": {"authz": {"image": "memgov-authz", "replica_count": 2}}}
    assert schema_errors(broken) != []


# --- scaling -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_scaled_service_has_no_container_name(services, name):
    assert "container_name" not in services[name]


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_scaled_service_publishes_no_ports(services, name):
    assert "ports" not in services[name]


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_scaled_service_has_no_named_volume(services, name):
    # A named volume or a bind mount would be shared by every replica.
    for volume in services[name].get("volumes", []):
        if isinstance(volume, dict):
            shared = volume.get("type") not in ("volume", "tmpfs") or bool(volume.get("source"))
        else:
            shared = ":" in volume
        assert not shared, f"{name} mounts {volume!r}, which all replicas would share"


def test_only_nginx_publishes_on_all_interfaces(services):
    for name, service in services.items():
        if name == "nginx":
            continue
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert services["nginx"]["ports"] == ["${MEMGOV_HTTP_PORT:-9000}:9000"]


@pytest.mark.parametrize("name", BACKEND_SERVICES)
def test_backend_is_not_published(services, name):
    assert "ports" not in services[name]


def test_mem0_reachable_only_by_ingress(services):
    mem0_networks = set(services["mem0"]["networks"])
    sharing = {
        name for name, service in services.items() if mem0_networks & set(service["networks"])
    }
    assert sharing == {"ingress", "mem0", "mem0-db"}


def test_mesh_network_is_internal(compose):
    assert compose["networks"]["mesh"].get("internal") is True


@pytest.mark.parametrize("name", ["authz", "ratelimit", "audit-sink"])
def test_stage_binds_one_port_on_all_interfaces(services, name):
    section = STAGE_SECTIONS[name].upper()
    bind = files.environment(services[name])[f"MEMGOV_{section}_BIND"]
    assert re.fullmatch(r"tcp://0\.0\.0\.0:\d+", bind), bind


@pytest.mark.parametrize(
    "name, variable",
    [
        ("authz", "MEMGOV_INGRESS_AUTHZ_ENDPOINTS"),
        ("ratelimit", "MEMGOV_INGRESS_RATELIMIT_ENDPOINTS"),
        ("audit-sink", "MEMGOV_INGRESS_AUDIT_ENDPOINTS"),
    ],
)
def test_ingress_connects_to_stage_service_name(services, name, variable):
    section = STAGE_SECTIONS[name].upper()
    bind_port = files.environment(services[name])[f"MEMGOV_{section}_BIND"].rsplit(":", 1)[1]
    endpoints = files.environment(services["ingress"])[variable]
    assert endpoints == f"tcp://{name}:{bind_port}"


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_metrics_listen_on_all_interfaces(services, name):
    section = STAGE_SECTIONS[name].upper()
    listen = files.environment(services[name])[f"MEMGOV_{section}_METRICS_LISTEN"]
    assert re.fullmatch(r"0\.0\.0\.0:\d+", listen), listen


def known_setting_variables() -> set[str]:
    """Environment names of every "section.key" literal in the stages' sources."""
    names = set()
    pattern = re.compile(r'"((?:ingress|authz|ratelimit|audit)\.[a-z0-9_.-]+)"')
    for source in (files.REPO_ROOT / "services").rglob("*.cpp"):
        for key in pattern.findall(source.read_text(errors="replace")):
            names.add("MEMGOV_" + re.sub(r"[.-]", "_", key).upper())
    return names


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_stage_environment_names_known_settings(services, name):
    known = known_setting_variables()
    for variable in files.environment(services[name]):
        if variable in SETTING_ALIASES:
            continue
        # ratelimit.roles.<role> and ratelimit.tenants.<tenant> are sections of free keys.
        is_section_entry = any(variable.startswith(entry + "_") for entry in known)
        assert variable in known or is_section_entry, f"{name}: {variable} is no stage setting"


@pytest.mark.parametrize("name", SCALED_SERVICES)
def test_stage_image_built_for_its_stage(services, name):
    assert services[name]["build"]["args"]["STAGE"] == name


def test_audit_wal_is_a_volume_per_replica(services):
    audit = services["audit-sink"]
    wal_dir = files.environment(audit)["MEMGOV_AUDIT_WAL_DIR"]
    # A volume given by its container path alone is anonymous: each container gets its own.
    assert wal_dir in audit["volumes"]


# --- secrets and variables -----------------------------------------------------------------


def test_secret_environment_values_are_variables(services):
    for name, service in services.items():
        for variable, value in files.environment(service).items():
            if not SECRET_NAME.search(variable):
                continue
            reference = single_reference(value)
            assert reference is not None, f"{name}: {variable} is not one ${{VAR}} reference"
            assert reference.operator not in DEFAULT_OPERATORS, f"{name}: {variable} has a default"


def test_url_credentials_are_variables(compose):
    for path, value in files.iter_strings(compose):
        for password in URL_CREDENTIALS.findall(value):
            reference = single_reference(password)
            assert reference is not None, f"{path}: the URL password is not one ${{VAR}}"
            assert reference.operator not in DEFAULT_OPERATORS, f"{path}: a default password"


def test_command_line_passwords_are_variables(compose):
    for path, value in files.iter_strings(compose):
        for match in re.finditer(r"--requirepass\s+(\S+)", value):
            assert match.group(1).strip("\"'").startswith("$"), path


def test_secret_variables_have_no_default(compose):
    for path, value in files.iter_strings(compose):
        for reference in files.references(value):
            if SECRET_NAME.search(reference.name):
                assert reference.operator not in DEFAULT_OPERATORS, f"{path}: {reference.name}"


def test_every_variable_is_documented(compose):
    documented = files.documented_variables()
    used = {
        reference.name
        for _, value in files.iter_strings(compose)
        for reference in files.references(value)
    }
    assert sorted(used - set(documented)) == []


def test_env_example_leaves_secrets_empty():
    for variable, value in files.documented_variables().items():
        if SECRET_NAME.search(variable):
            assert value == "", f"{variable} has a value in .env.example"


def test_env_example_names_only_used_variables(compose):
    used = {
        reference.name
        for _, value in files.iter_strings(compose)
        for reference in files.references(value)
    }
    # COMPOSE_PROFILES is read by docker compose itself.
    documented = set(files.documented_variables()) - {"COMPOSE_PROFILES"}
    assert sorted(documented - used) == []


# --- health and start order ----------------------------------------------------------------


def final_stage_healthcheck(built_services, name):
    for built in built_services:
        if built.name == name:
            dockerfile = built.dockerfile
            return dockerfile.find("HEALTHCHECK", dockerfile.final_stage)
    return []


def test_every_service_has_healthcheck(services, built_services):
    for name, service in services.items():
        healthcheck = service.get("healthcheck")
        if healthcheck is not None:
            assert not healthcheck.get("disable"), f"{name} disables its health check"
            assert healthcheck.get("test"), f"{name} has a health check without a test"
        else:
            assert final_stage_healthcheck(built_services, name), f"{name} has no health check"


def test_healthy_dependencies_have_healthchecks(services, built_services):
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        if isinstance(depends_on, list):
            continue
        for target, condition in depends_on.items():
            assert target in services, f"{name} depends on unknown service {target}"
            if condition.get("condition") == "service_healthy":
                has_check = "healthcheck" in services[target] or final_stage_healthcheck(
                    built_services, target
                )
                assert has_check, f"{name} waits for {target} to be healthy, which it never is"


# --- images and mounts -----------------------------------------------------------------------


def test_literal_images_are_pinned(services):
    for name, service in services.items():
        image = service["image"]
        if image.startswith("${") or "build" in service:
            # Chosen by the operator in .env, or built here and tagged with MEMGOV_IMAGE_TAG.
            continue
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name} uses an image without a tag: {image}"
        assert tag != "latest", f"{name} uses the floating tag latest: {image}"


def test_opa_runs_pinned_version_as_server(services):
    opa = services["opa"]
    assert opa["image"] == "openpolicyagent/opa:1.22.4"
    command = opa["command"]
    assert command[:2] == ["run", "--server"]
    assert "--v0-compatible" in command
    assert "--addr=0.0.0.0:8181" in command
    ignore = command.index("--ignore")
    assert command[ignore + 1] == "tests"
    assert command[-1] == "/policies"


def test_opa_policies_mounted_read_only(services):
    assert "../policies:/policies:ro" in services["opa"]["volumes"]


def bind_mounts(services):
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source and source.startswith("."):
                yield name, source


def test_bind_mount_sources_exist(services):
    for name, source in bind_mounts(services):
        assert (files.COMPOSE_DIR / source).exists(), f"{name} mounts missing {source}"


def test_authz_reaches_opa_service(services):
    address = next(arg for arg in services["opa"]["command"] if arg.startswith("--addr="))
    port = address.rsplit(":", 1)[1]
    assert files.environment(services["authz"])["OPA_URL"] == f"http://opa:{port}"


def test_ingress_defaults_to_bundled_mem0(services):
    reference = single_reference(files.environment(services["ingress"])["MEM0_URL"])
    assert reference is not None
    assert (reference.name, reference.operator) == ("MEM0_URL", ":-")
    assert reference.argument == "http://mem0:8000"
    assert services["mem0"]["profiles"] == ["bundled-mem0"]


def test_prometheus_config_file_exists(services):
    prometheus = services["prometheus"]
    config = next(arg for arg in prometheus["command"] if arg.startswith("--config.file="))
    container_path = config.split("=", 1)[1]
    for volume in prometheus["volumes"]:
        source, target = volume.split(":")[:2]
        if container_path.startswith(target + "/"):
            host_path = files.COMPOSE_DIR / source / container_path[len(target) + 1 :]
            assert host_path.is_file(), f"{host_path.resolve()} does not exist"
            return
    pytest.fail(f"no volume of prometheus contains {container_path}")
