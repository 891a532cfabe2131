"""Readers for the deployment files under compose/: the compose file, .env.example, the stage
Dockerfile, its ignore file and the CMake targets the Dockerfile builds.

The checks are static because they must run where no Docker engine is available.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO_ROOT / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
NGINX_CONF = COMPOSE_DIR / "nginx" / "nginx.conf"

# Services that `docker compose up --scale` runs several containers of.
SCALED_SERVICES = ("ingress", "authz", "ratelimit", "audit-sink")

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}, ${NAME:+alt}.
_BRACED_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
# $NAME without braces.
_BARE_REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def load_compose() -> dict:
    """Parse the compose file. YAML anchors and merge keys are resolved by the loader."""
    return yaml.safe_load(COMPOSE_FILE.read_text())


@dataclass(frozen=True)
class Reference:
    """One interpolated variable in a compose value, e.g. ${REDIS_PASSWORD:?message}."""

    name: str
    operator: Optional[str]  # ":-", "-", ":?", "?", ":+", "+", or None for ${NAME} / $NAME
    argument: Optional[str]


def references(text: str) -> list[Reference]:
    """List the variables compose interpolates in `text`. `$$` is an escaped dollar sign that
    reaches the container as `$`, so `$$NAME` is not a reference."""
    unescaped = text.replace("$$", "\0")
    found = [
        Reference(match.group(1), match.group(2), match.group(3))
        for match in _BRACED_REFERENCE.finditer(unescaped)
    ]
    without_braced = _BRACED_REFERENCE.sub("", unescaped)
    found.extend(Reference(name, None, None) for name in _BARE_REFERENCE.findall(without_braced))
    return found


def iter_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (dotted path, value) for every string value in a parsed YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from iter_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def environment(service: dict) -> dict[str, str]:
    """Return a service's environment as a mapping, whichever compose syntax it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in env)
        return {name: value for name, value in pairs}
    return {name: "" if value is None else str(value) for name, value in env.items()}


def documented_variables() -> dict[str, str]:
    """Return NAME -> value for each `NAME=value` line of .env.example, commented or not."""
    variables = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if match:
            variables[match.group(1)] = match.group(2).strip()
    return variables


# --- Dockerfile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case, e.g. "COPY"
    arguments: str  # the rest of the instruction, continuation lines joined
    line: int  # 1-based line of the keyword
    stage: int  # index of the build stage, 0 for the first FROM


@dataclass(frozen=True)
class Stage:
    index: int
    base_image: str
    name: Optional[str]


class Dockerfile:
    """The instructions of one Dockerfile, with their build stages."""

    def __init__(self, path: Path):
        self.path = path
        self.instructions: list[Instruction] = []
        self.stages: list[Stage] = []
        self._parse(path.read_text())

    def _parse(self, text: str) -> None:
        pending: list[str] = []
        start_line = 0
        for number, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.strip()
            # Empty and comment lines are dropped, also inside a continued instruction, as
            # BuildKit does. Parser directives such as `# syntax=` are comments here.
            if not stripped or stripped.startswith("#"):
                continue
            if not pending:
                start_line = number
            if stripped.endswith("\\"):
                pending.append(stripped[:-1].strip())
                continue
            pending.append(stripped)
            self._add(" ".join(part for part in pending if part), start_line)
            pending = []
        if pending:
            self._add(" ".join(pending), start_line)

    def _add(self, text: str, line: int) -> None:
        keyword, _, arguments = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            self.stages.append(Stage(len(self.stages), words[0], name))
        stage = max(len(self.stages) - 1, 0)
        self.instructions.append(Instruction(keyword, arguments.strip(), line, stage))

    def find(self, keyword: str, stage: Optional[int] = None) -> list[Instruction]:
        return [
            instruction
            for instruction in self.instructions
            if instruction.keyword == keyword and (stage is None or instruction.stage == stage)
        ]

    @property
    def final_stage(self) -> int:
        return len(self.stages) - 1


def copy_sources(instruction: Instruction) -> tuple[list[str], Optional[str]]:
    """Split a COPY into its sources and its --from value (None when it copies from the
    build context). Only the shell form is supported, which is the form stage.Dockerfile uses."""
    words = instruction.arguments.split()
    copied_from = None
    while words and words[0].startswith("--"):
        flag = words.pop(0)
        if flag.startswith("--from="):
            copied_from = flag.split("=", 1)[1]
    return words[:-1], copied_from


def apt_packages(instruction: Instruction) -> list[str]:
    """Return the package names of every `apt-get install` in a RUN instruction."""
    packages: list[str] = []
    for command in re.split(r"&&|;", instruction.arguments):
        words = command.split()
        if "apt-get" not in words or "install" not in words:
            continue
        after_install = words[words.index("install") + 1 :]
        packages.extend(word for word in after_install if not word.startswith("-"))
    return packages


# --- .dockerignore ---------------------------------------------------------------------------


def _ignore_pattern_regex(pattern: str) -> re.Pattern:
    """Translate one ignore pattern to a regex, with the meaning BuildKit gives it: `*` and `?`
    stay within one path element and `**` spans any number of elements."""
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(out + r"\Z")


class IgnoreFile:
    """The patterns of a .dockerignore file. The last pattern that matches a path decides, and a
    pattern that matches a directory matches everything below it."""

    def __init__(self, path: Path):
        self.rules: list[tuple[bool, re.Pattern]] = []
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            include = line.startswith("!")
            pattern = line[1:] if include else line
            pattern = pattern.strip().strip("/")
            self.rules.append((include, _ignore_pattern_regex(pattern)))

    def is_excluded(self, relative_path: str) -> bool:
        parts = relative_path.strip("/").split("/")
        prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        excluded = False
        for include, regex in self.rules:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not include
        return excluded


# --- CMake -----------------------------------------------------------------------------------


def executable_names() -> set[str]:
    """Return every executable name defined under services/: the add_executable target names
    and the OUTPUT_NAME values set on them."""
    names: set[str] = set()
    for cmake_file in (REPO_ROOT / "services").rglob("CMakeLists.txt"):
        text = cmake_file.read_text()
        names.update(re.findall(r"add_executable\(\s*([A-Za-z0-9_.+-]+)", text))
        names.update(re.findall(r"OUTPUT_NAME\s+([A-Za-z0-9_.+-]+)", text))
    return names
