"""A role added at run time by dropping a Rego v0 file into OPA's watched policy directory."""

import shutil
import time

import pytest

from tests.harness import paths
from tests.harness.gateway import Gateway, Identity

WRITER = Identity("agent-acme-1", "agent-writer", "tenant-acme")
SUPERVISOR = Identity("supervisor-001", "supervisor", "tenant-acme")

POLICY_FILE = "supervisor_role.rego"

# Written in the v0 syntax (no `if`, no `import rego.v1`) that older policy files use. OPA runs
# with --v0-compatible, so the file loads next to the project's v1 files.
SUPERVISOR_POLICY = """\
package mem0.authz

# What the supervisor role may do. An action missing here, such as admin, is not granted.
supervisor_grants := {"read": true, "write": true, "delete": false}

# A supervisor acts only on memories that its own tenant owns.
allow {
	some i
	input.roles[i] == "supervisor"
	granted := supervisor_grants[input.action]
	granted == true
	input.resource_tenant == input.tenant
}
"""


def copy_policies_without_supervisor(target):
    """Copy policies/ without supervisor files and without policy tests.

    The server needs no tests, and a test file may refer to rules of a removed file.
    """

    def ignore(directory, names):
        return [name for name in names if "supervisor" in name or name.endswith("_test.rego")]

    shutil.copytree(paths.policy_dir(), target, ignore=ignore)
    return target


@pytest.fixture(scope="module")
def role_mesh(start_mesh, stop_mesh, tmp_path_factory):
    policy_dir = copy_policies_without_supervisor(tmp_path_factory.mktemp("opa") / "policies")
    mesh = start_mesh(
        policy_dir=policy_dir,
        stage_env={"ratelimit": {"MEMGOV_RATELIMIT_ROLES_SUPERVISOR": "300"}},
    )
    yield mesh
    stop_mesh(mesh)


@pytest.fixture(scope="module")
def gateway(role_mesh):
    return Gateway(role_mesh.gateway_url)


@pytest.fixture(scope="module")
def owned_memory(gateway):
    """A memory of user-1 that the tenant's writer agent stored, so tenant-acme owns user-1."""
    response = gateway.add_memory(WRITER, "user-1", "The quarterly review is on Friday")
    assert response.status_code == 200, response.text
    return response.json()["results"][0]["id"]


def _install_policy(mesh, text):
    """Write the policy file atomically, so OPA's watcher never reads half a file."""
    staging = mesh.options.policy_dir.parent / f".{POLICY_FILE}.tmp"
    staging.write_text(text)
    staging.replace(mesh.options.policy_dir / POLICY_FILE)
    mesh.opa.wait_for_policy(POLICY_FILE, loaded=True)


# authz reuses a policy outcome for the same input for authz.decision_cache_ttl_ms (1 s by
# default), so a policy change reaches the gateway's answers within that time, not at once.
POLICY_CHANGE_DEADLINE_SECONDS = 5.0


def _wait_for_supervisor_read_status(gateway, expected_status):
    deadline = time.monotonic() + POLICY_CHANGE_DEADLINE_SECONDS
    while True:
        status = gateway.list_memories(SUPERVISOR, "user-1").status_code
        if status == expected_status or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


@pytest.fixture
def without_supervisor_policy(role_mesh, gateway, owned_memory):
    (role_mesh.options.policy_dir / POLICY_FILE).unlink(missing_ok=True)
    role_mesh.opa.wait_for_policy(POLICY_FILE, loaded=False)
    _wait_for_supervisor_read_status(gateway, 403)


@pytest.fixture
def with_supervisor_policy(role_mesh, gateway, owned_memory):
    _install_policy(role_mesh, SUPERVISOR_POLICY)
    _wait_for_supervisor_read_status(gateway, 200)


def test_supervisor_denied_without_policy(gateway, owned_memory, without_supervisor_policy):
    read = gateway.list_memories(SUPERVISOR, "user-1")
    assert read.status_code == 403, read.text
    assert read.json()["error"] == "forbidden"

    write = gateway.add_memory(SUPERVISOR, "user-1", "Denied note")
    assert write.status_code == 403, write.text


def test_supervisor_reads_with_policy(gateway, owned_memory, with_supervisor_policy):
    response = gateway.list_memories(SUPERVISOR, "user-1")
    assert response.status_code == 200, response.text
    assert owned_memory in {record["id"] for record in response.json()["results"]}


def test_supervisor_writes_with_policy(gateway, owned_memory, with_supervisor_policy):
    response = gateway.add_memory(SUPERVISOR, "user-1", "Supervisor approved the plan")
    assert response.status_code == 200, response.text
    assert response.json()["results"]


def test_supervisor_delete_denied(gateway, owned_memory, with_supervisor_policy):
    added = gateway.add_memory(SUPERVISOR, "user-1", "Keep this record")
    assert added.status_code == 200, added.text
    memory_id = added.json()["results"][0]["id"]

    deleted = gateway.request("DELETE", f"/memories/{memory_id}", SUPERVISOR)
    assert deleted.status_code == 403, deleted.text
    assert deleted.json()["error"] == "forbidden"

    still_there = gateway.request("GET", f"/memories/{memory_id}", SUPERVISOR)
    assert still_there.status_code == 200, still_there.text
    assert still_there.json()["id"] == memory_id
