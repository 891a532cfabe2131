"""Static checks of the Dockerfiles that compose/docker-compose.yml builds."""

import json
import os
import re
from pathlib import Path

import deployment_files as files


def expand_build_args(text: str, args: dict) -> str:
    """Replace ${NAME} and $NAME with the build arg values of one compose service."""
    def value_of(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        return str(args.get(name, match.group(0)))

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", value_of, text)


def ignore_file(built) -> files.IgnoreFile:
    """Return the ignore file BuildKit uses: <Dockerfile>.dockerignore next to the Dockerfile,
    else .dockerignore at the context root."""
    specific = Path(str(built.dockerfile.path) + ".dockerignore")
    return files.IgnoreFile(specific if specific.exists() else built.context / ".dockerignore")


def dev_apt_packages() -> list[str]:
    """Return the APT_PACKAGES list of ./dev, without its comments."""
    text = (files.REPO_ROOT / "dev").read_text()
    body = re.search(r"^APT_PACKAGES=\((.*?)^\)", text, re.S | re.M).group(1)
    words = []
    for line in body.splitlines():
        words.extend(line.split("#", 1)[0].split())
    return words


def test_compose_builds_every_stage(built_services):
    assert {built.name for built in built_services} == set(files.SCALED_SERVICES)


def test_copy_sources_exist_in_context(built_services):
    for built in built_services:
        for instruction in built.dockerfile.find("COPY"):
            sources, copied_from = files.copy_sources(instruction)
            if copied_from is not None:
                continue
            for source in sources:
                path = built.context / expand_build_args(source, built.args)
                assert path.exists(), f"{built.dockerfile.path.name}:{instruction.line}: {source}"


def test_copy_sources_not_ignored(built_services):
    for built in built_services:
        ignored = ignore_file(built)
        for instruction in built.dockerfile.find("COPY"):
            sources, copied_from = files.copy_sources(instruction)
            if copied_from is not None:
                continue
            for source in sources:
                relative = expand_build_args(source, built.args).rstrip("/")
                assert not ignored.is_excluded(relative), f"{source} is left out of the context"


def test_ignore_file_leaves_out_local_trees(built_services):
    for built in built_services:
        ignored = ignore_file(built)
        for local_tree in ("build", ".venv", ".git", "services/mem0-local", "compose/.env"):
            assert ignored.is_excluded(local_tree), f"{local_tree} would enter the context"


def test_copied_binaries_are_cmake_targets(built_services):
    executables = files.executable_names()
    for built in built_services:
        instructions = built.dockerfile.find("COPY") + built.dockerfile.find("RUN")
        for instruction in instructions:
            text = expand_build_args(instruction.arguments, built.args)
            for binary in re.findall(r"build/bin/([A-Za-z0-9_.-]+)", text):
                assert binary in executables, f"{built.name}: {binary} is no CMake executable"


def test_audit_sink_image_ships_memgovctl(built_services):
    (audit,) = [built for built in built_services if built.name == "audit-sink"]
    build_stage = audit.dockerfile.stages[0].index
    runs = [
        expand_build_args(instruction.arguments, audit.args)
        for instruction in audit.dockerfile.find("RUN", build_stage)
    ]
    assert any(re.search(r"--target\b[^&]*\bmemgovctl\b", text) for text in runs)
    assert any("cp build/bin/memgovctl /out/" in text for text in runs)
    copies = audit.dockerfile.find("COPY", audit.dockerfile.final_stage)
    assert any(
        instruction.arguments.split()[-2:] == ["/out/", "/usr/local/bin/"]
        for instruction in copies
    ), [instruction.arguments for instruction in copies]


def test_built_targets_are_cmake_targets(built_services):
    executables = files.executable_names()
    for built in built_services:
        for instruction in built.dockerfile.find("RUN"):
            match = re.search(r"--target((?:\s+[A-Za-z0-9_.-]+)+)", instruction.arguments)
            if match is None:
                continue
            for target in match.group(1).split():
                assert target in executables, f"--target {target} is no CMake executable"


def test_entrypoint_runs_the_service_stage(built_services):
    for built in built_services:
        dockerfile = built.dockerfile
        (entrypoint,) = dockerfile.find("ENTRYPOINT", dockerfile.final_stage)
        # The exec form, so that the stage itself is PID 1 and receives SIGTERM.
        command = json.loads(entrypoint.arguments)
        links = [
            expand_build_args(instruction.arguments, built.args)
            for instruction in dockerfile.find("RUN", dockerfile.final_stage)
        ]
        link = f'ln -s "memgov-{built.name}" {command[0]}'
        assert any(link in text for text in links), f"{command[0]} is not memgov-{built.name}"


def test_final_stage_runs_as_non_root(built_services):
    for built in built_services:
        dockerfile = built.dockerfile
        users = dockerfile.find("USER", dockerfile.final_stage)
        assert users, f"{dockerfile.path.name} sets no USER"
        user = users[-1].arguments.split(":")[0]
        assert user not in ("root", "0"), f"{dockerfile.path.name} runs as {user}"


def test_final_stage_has_healthcheck(built_services):
    for built in built_services:
        dockerfile = built.dockerfile
        checks = dockerfile.find("HEALTHCHECK", dockerfile.final_stage)
        assert checks, f"{dockerfile.path.name} has no HEALTHCHECK"
        assert not checks[-1].arguments.upper().startswith("NONE")


def test_healthcheck_script_is_executable():
    script = files.COMPOSE_DIR / "docker" / "healthcheck.sh"
    assert os.access(script, os.X_OK)


def test_base_images_are_debian_bookworm(built_services):
    for built in built_services:
        for stage in built.dockerfile.stages:
            assert re.fullmatch(r"debian:bookworm(-slim)?", stage.base_image), stage.base_image


def test_build_stage_installs_dev_packages_of_dev_script(built_services):
    required = {package for package in dev_apt_packages() if package.endswith("-dev")}
    for built in built_services:
        build_stage = built.dockerfile.stages[0].index
        installed = set()
        for instruction in built.dockerfile.find("RUN", build_stage):
            installed.update(files.apt_packages(instruction))
        assert sorted(required - installed) == []


def test_runtime_stage_installs_no_dev_package(built_services):
    for built in built_services:
        dockerfile = built.dockerfile
        for instruction in dockerfile.find("RUN", dockerfile.final_stage):
            development = [
                package
                for package in files.apt_packages(instruction)
                if package.endswith("-dev") or package == "build-essential"
            ]
            assert development == []
