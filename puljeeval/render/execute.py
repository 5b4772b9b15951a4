"""Executing a chapter notebook with papermill, quietly.

The kernel talks to papermill over local IPC sockets in a private temporary folder instead of
TCP on localhost: ipykernel warns (once per chapter, on every run) that a TCP kernel without
CurveZMQ keys is unencrypted, and on a shared machine any local user could connect to it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import KernelManager


def execute(notebook: str | Path, out: str | Path, parameters: dict[str, Any], timeout: int = 600) -> None:
    """Run `notebook` with `parameters` injected, writing the executed notebook to `out`."""
    with tempfile.TemporaryDirectory(prefix="puljeeval-kernel-") as folder:

        class IPCKernelManager(KernelManager):
            def __init__(self, **kwargs: Any) -> None:
                kwargs.setdefault("transport", "ipc")
                kwargs.setdefault("ip", str(Path(folder) / "kernel"))
                super().__init__(**kwargs)

        papermill.execute_notebook(str(notebook), str(out), kernel_name="python3", progress_bar=False,
                                   execution_timeout=timeout, parameters=parameters,
                                   kernel_manager_class=IPCKernelManager)
