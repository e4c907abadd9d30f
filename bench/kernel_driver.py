"""Drives one kernel with Jupyter's own client (jupyter_client 7.4) for bench/kernel.ts.

    kernel_driver.py ARGV_JSON CODE N

Starts the kernel from ARGV_JSON ("{connection_file}" is replaced), measures launch -> kernel_info_reply,
then runs CODE N times (after 10 warm-up runs) and measures each execute_request -> execute_reply, waiting
for the idle status before the next so that runs do not overlap. Prints one JSON line.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file


def main():
    argv, code, n = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    folder = tempfile.mkdtemp(prefix="tb-bench-")
    connection_file, _ = write_connection_file(os.path.join(folder, "kernel.json"), key=os.urandom(16).hex().encode())
    client = BlockingKernelClient(connection_file=connection_file)
    client.load_connection_file()

    start = time.perf_counter()
    kernel = subprocess.Popen([connection_file if a == "{connection_file}" else a for a in argv],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
    client.start_channels()
    client.kernel_info()
    client.get_shell_msg(timeout=60)
    startup = time.perf_counter() - start
    # iopub joins late (PUB/SUB): wait_for_ready until the kernel's status flows, as frontends do
    client.wait_for_ready(timeout=60)

    def run_once():
        t0 = time.perf_counter()
        msg_id = client.execute(code, store_history=True)
        while True:
            reply = client.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        elapsed = time.perf_counter() - t0
        if reply["content"]["status"] != "ok":
            raise SystemExit(f"cell failed: {reply['content']}")
        while True:
            msg = client.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"]["execution_state"] == "idle":
                return elapsed

    for _ in range(10):
        run_once()
    round_trips = [run_once() for _ in range(n)]

    client.shutdown()
    try:
        kernel.wait(timeout=10)
    except subprocess.TimeoutExpired:
        kernel.kill()
    client.stop_channels()
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"startup_s": startup, "round_trip_s": round_trips}))


if __name__ == "__main__":
    main()
