"""Executes a notebook headless for notebook_runner.ts, keeping late outputs.

Deno's Jupyter kernel sometimes publishes a cell's execute_result just after the cell's
"idle" status (measured here: 4 of 60 one-line cells). nbclient stops reading a cell's messages
at "idle", so it saves such a cell without its output and without an error. This executor reads
on after "idle" until the cell has been quiet for a short grace period, and keeps what arrives.

Usage: python3 notebook_executor.py IN.ipynb OUT.ipynb [--kernel deno] [--timeout 600]
       [--iopub-timeout 120] [--grace 0.5]
Exit 0 when every cell ran; 1 with "CellExecutionError: <cell and error>" on stderr otherwise
(OUT is then not written).
"""

import argparse
import asyncio
import os
import queue
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async


class LateOutputClient(NotebookClient):
    """A NotebookClient that keeps a cell's messages arriving within `grace` s after idle."""

    grace = 0.5

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.grace))
            except (queue.Empty, asyncio.TimeoutError):
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--kernel", default="deno")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--iopub-timeout", type=int, default=120)
    parser.add_argument("--grace", type=float, default=0.5)
    args = parser.parse_args()
    notebook = nbformat.read(args.input, as_version=4)
    client = LateOutputClient(
        notebook,
        kernel_name=args.kernel,
        timeout=args.timeout,
        iopub_timeout=args.iopub_timeout,
        raise_on_iopub_timeout=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
    )
    client.grace = args.grace
    try:
        client.execute()
    except CellExecutionError as error:
        print(f"CellExecutionError: {error}", file=sys.stderr)
        return 1
    tmp = args.output + ".tmp"
    nbformat.write(notebook, tmp)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
