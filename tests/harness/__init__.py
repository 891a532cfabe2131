"""Test harness that runs the memgov mesh as real processes on loopback.

Used by `./dev up` (python -m tests.harness up) and by the integration test fixtures.
"""

from .errors import HarnessError
from .mesh import Mesh, MeshOptions
from .polling import PollTimeout, poll
from .postgres import PostgresServer
from .process import ManagedProcess
from .stages import PIPELINE_STAGES, STAGE_KINDS

__all__ = [
    "HarnessError",
    "ManagedProcess",
    "Mesh",
    "MeshOptions",
    "PIPELINE_STAGES",
    "PollTimeout",
    "PostgresServer",
    "STAGE_KINDS",
    "poll",
]
