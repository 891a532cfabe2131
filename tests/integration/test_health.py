"""Ingress health works without any other stage, and readiness lists the missing stages."""

import pytest
import requests


@pytest.fixture(scope="module")
def lone_ingress(start_mesh, stop_mesh):
    mesh = start_mesh(stages=(), start_mem0=False)
    yield mesh
    stop_mesh(mesh)


def test_health_without_stages(lone_ingress):
    response = requests.get(f"{lone_ingress.gateway_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_names_missing_stages(lone_ingress):
    response = requests.get(f"{lone_ingress.gateway_url}/ready", timeout=5)
    assert response.status_code == 503
    text = response.text.lower()
    for stage in ("authz", "ratelimit", "audit"):
        assert stage in text
