"""Fixtures that run real memgov meshes for the integration tests.

All meshes of a session share one PostgreSQL cluster, and each mesh gets a database of its own,
so audit and ownership rows of one mesh never show up in another.
"""

import itertools
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.harness import Mesh, MeshOptions, PostgresServer  # noqa: E402
from tests.harness.mesh import remove_all_but  # noqa: E402
from tests.harness.gateway import Gateway  # noqa: E402

_active_meshes: list[Mesh] = []
_database_numbers = itertools.count(1)


def _keep_logs(session: pytest.Session) -> bool:
    """Keep the server logs when a test failed or MEMGOV_KEEP_TEST_LOGS is set."""
    return session.testsfailed > 0 or bool(os.environ.get("MEMGOV_KEEP_TEST_LOGS"))


@pytest.fixture(scope="session")
def postgres_cluster(request):
    root = Path(tempfile.mkdtemp(prefix="memgov-test-postgres-"))
    if os.geteuid() == 0:
        root.chmod(0o755)  # the cluster runs as the postgres user, which must reach it
    server = PostgresServer(root / "cluster", root / "logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if _keep_logs(request.session):
            remove_all_but(root, root / "logs")
            print(f"\nPostgreSQL log kept in {root / 'logs'}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _stop_mesh(mesh: Mesh, session: pytest.Session) -> None:
    if mesh not in _active_meshes:
        return
    _active_meshes.remove(mesh)
    keep = _keep_logs(session)
    mesh.stop(keep_logs=keep)
    if keep and mesh.temp_dir is not None:
        print(f"\nmesh logs kept in {mesh.log_dir}")


@pytest.fixture(scope="session")
def stop_mesh(request):
    """Return a function that stops a mesh from start_mesh before the session ends."""
    return lambda mesh: _stop_mesh(mesh, request.session)


@pytest.fixture(scope="session")
def start_mesh(request, postgres_cluster):
    """Return a function that starts a mesh with the given MeshOptions fields.

    The mesh gets its own database in the shared cluster. Every mesh still running at the end of
    the session is stopped then.
    """
    started: list[Mesh] = []

    def start(**fields) -> Mesh:
        fields.setdefault("postgres", postgres_cluster)
        fields.setdefault("database_name", f"memgov_{next(_database_numbers)}")
        mesh = Mesh(MeshOptions(**fields))
        started.append(mesh)
        _active_meshes.append(mesh)
        mesh.start()
        return mesh

    yield start

    for mesh in started:
        _stop_mesh(mesh, request.session)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "own_mesh: the module's tests get a default mesh of their own instead of the shared one,"
        " so that their audit rows stay out of other modules' counts",
    )


@pytest.fixture(scope="session")
def shared_mesh(start_mesh) -> Mesh:
    """A mesh with every stage and default settings, shared by the tests that change nothing."""
    return start_mesh()


@pytest.fixture(scope="module")
def mesh(request, start_mesh, stop_mesh) -> Iterator[Mesh]:
    """The shared mesh, or a mesh of the module's own when the module is marked own_mesh."""
    if request.node.get_closest_marker("own_mesh") is None:
        yield request.getfixturevalue("shared_mesh")
        return
    own = start_mesh()
    yield own
    stop_mesh(own)


@pytest.fixture(scope="module")
def gateway(mesh) -> Gateway:
    return Gateway(mesh.gateway_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the log files (and their last lines) of running meshes to a failed test's report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _active_meshes:
        text = "\n\n".join(mesh.describe_logs(tail_lines=20) for mesh in _active_meshes)
        report.sections.append(("memgov mesh logs", text))
