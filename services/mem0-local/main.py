"""Command line for the local Mem0 upstream: `python main.py --port 8000 --data-dir DIR`.

Logs are JSON lines on stderr. Once the socket listens, the server logs one line
{"msg": "ready", "host": ..., "port": ...}. With --port 0, that line carries the port
that the system picked.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

import uvicorn


class JsonLineFormatter(logging.Formatter):
    """Format a log record as one JSON object: time, level, logger, msg and any extras."""

    _STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD_FIELDS and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True


class ReadyLoggingServer(uvicorn.Server):
    """A uvicorn server that logs the "ready" line once its sockets listen."""

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        for server in self.servers:
            for sock in server.sockets:
                host, port = sock.getsockname()[:2]
                logging.getLogger("mem0_local").info(
                    "ready", extra={"service": "mem0-local", "host": host, "port": port}
                )
                return


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local Mem0 REST upstream (real mem0, stand-in models).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port, where 0 picks a free one (default 8000)")
    parser.add_argument(
        "--data-dir",
        help="directory for the vector store and history, overriding MEM0_LOCAL_DATA_DIR "
        "(default: a temporary directory that is removed at exit)",
    )
    parser.add_argument("--log-level", default="info", help="debug, info, warning or error (default info)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    arguments = parse_arguments(argv)
    configure_logging(arguments.log_level)
    if arguments.data_dir:
        os.environ["MEM0_LOCAL_DATA_DIR"] = arguments.data_dir

    # Imported here, because the app reads MEM0_LOCAL_DATA_DIR when it is imported.
    from app import app

    config = uvicorn.Config(
        app,
        host=arguments.host,
        port=arguments.port,
        log_config=None,
        log_level=arguments.log_level.lower(),
        access_log=arguments.log_level.lower() == "debug",
    )
    ReadyLoggingServer(config).run()


if __name__ == "__main__":
    main()
