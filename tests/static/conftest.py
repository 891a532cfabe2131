"""Fixtures of the static deployment checks: parsed copies of the files under compose/."""

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import deployment_files  # noqa: E402


@dataclass(frozen=True)
class BuiltService:
    """A compose service built from a Dockerfile of this repository."""

    name: str
    context: Path
    dockerfile: deployment_files.Dockerfile
    args: dict


@pytest.fixture(scope="session")
def compose() -> dict:
    return deployment_files.load_compose()


@pytest.fixture(scope="session")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="session")
def built_services(services) -> list[BuiltService]:
    built = []
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = (deployment_files.COMPOSE_DIR / build.get("context", ".")).resolve()
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        built.append(
            BuiltService(
                name, context, deployment_files.Dockerfile(dockerfile), build.get("args") or {}
            )
        )
    return built
