#!/usr/bin/env python3
"""Measures what a task costs the server: starting a task of a company with
50 secrets of 32,768 bytes, reading its secrets, finishing it, and a whole
`secrets run -- true`. The baseline, measured in the same run on the same
server, is the list of the company's secrets (metadata only).

Usage: scripts/bench_tasks.py SERVER_BIN CLIENT_BIN [RUNS]

It starts its own server on a free 127.0.0.1 port with a fresh data
directory, and prints medians and 95th percentiles in milliseconds.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SECRETS = 50
VALUE_BYTES = 32_768
COMPANY = "bench"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(method, url, token, body=None):
    """Sends a request and returns the decoded JSON body, or None."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method)) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def timed(action):
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def summary(name, samples, baseline=None):
    median = statistics.median(samples)
    p95 = sorted(samples)[max(0, round(len(samples) * 0.95) - 1)]
    ratio = f"  ({median / baseline:.1f}x the list)" if baseline else ""
    print(f"{name:<34} median {median:8.2f} ms   p95 {p95:8.2f} ms{ratio}")
    return median


def main():
    server_bin, client_bin = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    data_dir = tempfile.mkdtemp(prefix="secrets-bench-")
    base_url = f"http://127.0.0.1:{free_port()}"
    operator = lambda *args: subprocess.run(  # noqa: E731
        [server_bin, *args, "--data-dir", data_dir], check=True, capture_output=True, text=True
    ).stdout.strip()

    server = subprocess.Popen(
        [server_bin, "serve", "--addr", base_url.removeprefix("http://"), "--data-dir", data_dir,
         "--write-burst", "1000", "--task-burst", "1000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", int(base_url.rsplit(":", 1)[1])), 0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        operator("conglomerate", "create", COMPANY)
        operator("company", "create", COMPANY, "--conglomerate", COMPANY)
        operator("member", "add", "--company", COMPANY, "--name", "owner")
        member_token = operator("token", "issue", "--company", COMPANY, "--name", "owner")
        runner_token = operator("runner", "issue", "--company", COMPANY, "--name", "bench")
        client_env = {**os.environ, "SECRETS_SERVER": base_url, "SECRETS_COMPANY": COMPANY}

        add_times = []
        for index in range(SECRETS):
            value = (f"{index:02}" * VALUE_BYTES)[:VALUE_BYTES]
            elapsed, _ = timed(lambda: subprocess.run(
                [client_bin, "add", f"KEY_{index:02}"], input=value.encode(), check=True,
                env={**client_env, "SECRETS_TOKEN": member_token}, capture_output=True,
            ))
            add_times.append(elapsed)

        secrets_url = f"{base_url}/api/v1/companies/{COMPANY}/secrets"
        list_times, start_times, read_times, finish_times, run_times = [], [], [], [], []
        for _ in range(runs):
            list_times.append(timed(lambda: request("GET", secrets_url, member_token))[0])
            elapsed, task = timed(lambda: request("POST", f"{base_url}/api/v1/companies/{COMPANY}/tasks", runner_token))
            start_times.append(elapsed)
            task_url = f"{base_url}/api/v1/tasks/{task['task_id']}"
            elapsed, opened = timed(lambda: request("GET", f"{task_url}/secrets", task["task_token"]))
            assert len(opened["secrets"]) == SECRETS, opened["unreadable"]
            read_times.append(elapsed)
            finish_times.append(timed(lambda: request("POST", f"{task_url}/finish", task["task_token"]))[0])
            run_times.append(timed(lambda: subprocess.run(
                [client_bin, "run", "--", "true"], check=True, capture_output=True,
                env={**client_env, "SECRETS_RUNNER_TOKEN": runner_token},
            ))[0])

        print(f"{SECRETS} secrets of {VALUE_BYTES:,} bytes, {runs} runs, server {base_url}")
        baseline = summary("list secrets (baseline)", list_times)
        summary("secrets add (seal + create)", add_times, baseline)
        summary("start task (snapshot)", start_times, baseline)
        summary("read task secrets (open 50)", read_times, baseline)
        summary("finish task", finish_times, baseline)
        summary("secrets run -- true (whole run)", run_times, baseline)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
