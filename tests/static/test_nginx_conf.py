"""Static checks of compose/nginx/nginx.conf, the load balancer in front of the ingresses."""

import re
import shutil
import subprocess

import pytest

import deployment_files as files


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    # Comments are removed so that a directive named in a comment does not count.
    return re.sub(r"#[^\n]*", "", files.NGINX_CONF.read_text())


def directives(text: str, name: str) -> list[str]:
    return [match.strip() for match in re.findall(rf"(?:^|[;{{}}\s]){name}\s+([^;]*);", text)]


def test_resolver_is_docker_dns_with_short_ttl(nginx_conf):
    (resolver,) = directives(nginx_conf, "resolver")
    words = resolver.split()
    assert words[0] == "127.0.0.11"
    valid = next(word for word in words if word.startswith("valid="))
    assert int(valid.removeprefix("valid=").removesuffix("s")) <= 10


def test_upstream_resolves_ingress_replicas(nginx_conf):
    upstream = re.search(r"upstream\s+memgov_ingress\s*\{(.*?)\}", nginx_conf, re.S).group(1)
    (server,) = directives(upstream, "server")
    assert server.split()[0] == "ingress:9000"
    assert "resolve" in server.split()
    assert directives(upstream, "zone"), "resolve needs a shared memory zone"
    assert directives(upstream, "keepalive")


def test_proxy_keeps_connections_alive(nginx_conf):
    assert directives(nginx_conf, "proxy_http_version") == ["1.1"]
    assert 'Connection ""' in directives(nginx_conf, "proxy_set_header")


def test_proxy_does_not_retry_on_answers(nginx_conf):
    # A 5xx of the ingress is its decision; resending it to another replica could repeat it.
    (next_upstream,) = directives(nginx_conf, "proxy_next_upstream")
    assert not re.search(r"http_\d+|non_idempotent", next_upstream)


def test_ingress_listen_port_matches_upstream(nginx_conf, services):
    upstream = re.search(r"upstream\s+memgov_ingress\s*\{(.*?)\}", nginx_conf, re.S).group(1)
    (server,) = directives(upstream, "server")
    upstream_port = server.split()[0].rsplit(":", 1)[1]
    listen = files.environment(services["ingress"])["MEMGOV_INGRESS_LISTEN"]
    assert listen == f"0.0.0.0:{upstream_port}"


def test_published_port_is_the_listen_port(nginx_conf, services):
    (published,) = services["nginx"]["ports"]
    container_port = published.rsplit(":", 1)[1]
    assert container_port in [value.split()[0] for value in directives(nginx_conf, "listen")]


def test_healthcheck_port_is_listened_on(nginx_conf, services):
    test = services["nginx"]["healthcheck"]["test"]
    url = next(word for word in test if word.startswith("http://"))
    address = re.match(r"http://([^/]+)/", url).group(1)
    assert address in [value.split()[0] for value in directives(nginx_conf, "listen")]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_config_parses_with_local_nginx(tmp_path):
    # Debian 12's nginx (1.22) predates the `resolve` server parameter (nginx 1.27.3), and the
    # name "ingress" resolves only inside compose. Both are replaced, so this checks the
    # syntax of everything else.
    text = files.NGINX_CONF.read_text()
    text = text.replace("server ingress:9000 resolve", "server 127.0.0.1:9000")
    text = re.sub(r"listen (127\.0\.0\.1:)?(\d+);", r"listen 127.0.0.1:\2;", text)
    (tmp_path / "logs").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(text)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(config), "-e", "/dev/stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
