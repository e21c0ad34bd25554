"""Adapter for running the WASI testsuite's Python runner against Tern.

Modelled on the upstream adapters/wasmtime.py: it maps a test's args, env
and preopened root directory to a `tern run` command line. Tern implements
WASI preview 1 only (wasm32-wasip1, the wasi:cli/command world).

Usage, from a writable copy of the WebAssembly/wasi-testsuite repository
(branch prod/testsuite-base; tests create files under fs-tests.dir):

    TERN=/path/to/target/release/tern \
        python3 run-tests -r /path/to/crates/tern-wasi/adapters/tern.py

TERN defaults to `tern` on PATH and may carry extra options.
"""

import os
import shlex
import subprocess
from typing import Dict, List, Optional, Tuple

# shlex.split() splits according to shell quoting rules
TERN = shlex.split(os.getenv("TERN", "tern"), posix=os.name != "nt")


def get_name() -> str:
    return "tern"


def get_version() -> str:
    # `tern --version` prints "tern <version>".
    result = subprocess.run(TERN[0:1] + ["--version"],
                            encoding="UTF-8", capture_output=True,
                            check=True)
    output = result.stdout.splitlines()[0].split(" ")
    return output[1]


def get_wasi_versions() -> List[str]:
    return ["wasm32-wasip1"]


def get_wasi_worlds() -> List[str]:
    return ["wasi:cli/command"]


def compute_argv(test_path: str,
                 args_env_root: Tuple[List[str], Dict[str, str], Optional[str]],
                 proposals: List[str],
                 wasi_world: str,
                 wasi_version: str) -> List[str]:
    argv = TERN[0:1] + ["run"] + TERN[1:]
    args, env, root = args_env_root

    for k, v in env.items():
        argv += ["--env", f"{k}={v}"]

    if root:
        argv += ["--dir", f"{root}::/"]  # noqa: E231

    argv += [test_path]
    argv += args
    return argv
