#!/usr/bin/env python3
"""Measurement helpers of bench/run that are awkward in bash.

Subcommands:
  free-port             print a TCP port of 127.0.0.1 that is free now
  wait URL              poll URL until it responds 200, or exit 1 on timeout
  compare URL_A URL_B   exit 1 unless both URLs return the same JSON body
  startup               time exec to the first 200 response, many runs
  load URL              send a fixed number of requests, one at a time

Uses only the standard library, and sends requests to 127.0.0.1 only.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def split_loopback_url(url: str) -> tuple[int, str]:
    """Return the port and path of an http URL on 127.0.0.1, or raise ValueError for any other URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        raise ValueError(f"invalid URL {url!r}: expected http://127.0.0.1:PORT/PATH")
    return parts.port, parts.path or "/"


def get(port: int, path: str, user_agent: str | None, timeout: float) -> tuple[int, bytes]:
    """Send GET to 127.0.0.1:port and return the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"User-Agent": user_agent} if user_agent else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def poll_until_ok(port: int, path: str, deadline: float, process=None) -> bool:
    """Poll every 0.5 ms until a 200 response.

    Returns False on timeout, or as soon as process (when given) exits.
    """
    while time.perf_counter() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            status, _ = get(port, path, None, timeout=1.0)
            if status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.0005)
    return False


def command_wait(args) -> int:
    port, path = split_loopback_url(args.url)
    if poll_until_ok(port, path, time.perf_counter() + args.timeout):
        return 0
    print(f"error: {args.url} did not respond 200 within {args.timeout} s", file=sys.stderr)
    return 1


def command_compare(args) -> int:
    bodies = []
    for url in (args.url_a, args.url_b):
        port, path = split_loopback_url(url)
        status, body = get(port, path, args.user_agent, timeout=5.0)
        if status != 200:
            print(f"error: GET {url} returned {status}: {body[:200]!r}", file=sys.stderr)
            return 1
        bodies.append(json.loads(body))
    if bodies[0] != bodies[1]:
        print(
            f"error: the JSON bodies differ:\n  {args.url_a}: {bodies[0]}\n  {args.url_b}: {bodies[1]}",
            file=sys.stderr,
        )
        return 1
    print(f"same body: {json.dumps(bodies[0])}")
    return 0


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def time_startup(binary: str, workers: int, env: dict, timeout: float) -> float:
    """Start binary on a free port and return the ms from exec to the first 200 response."""
    port = free_port()
    command = [binary, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        ready = poll_until_ok(port, "/respond/ping", start + timeout, process)
        elapsed_ms = (time.perf_counter() - start) * 1000.0
    finally:
        stop(process)
    if not ready:
        raise RuntimeError(f"{binary} did not respond 200 within {timeout} s (exit status {process.returncode})")
    return elapsed_ms


def command_load(args) -> int:
    """Send args.requests GET requests over one keep-alive connection, one at a time.

    Unlike wrk, the count is exact, so profiles of different servers cover the same work.
    """
    port, path = split_loopback_url(args.url)
    headers = {"User-Agent": args.user_agent} if args.user_agent else {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)
    try:
        for _ in range(args.requests):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                print(f"error: GET {args.url} returned {response.status}", file=sys.stderr)
                return 1
    finally:
        connection.close()
    return 0


def command_startup(args) -> int:
    """Alternate nsapi and baseline runs and print one TSV line per run."""
    nsapi_env = {key: value for key, value in os.environ.items() if key != "RUST_LOG"}
    servers = [("nsapi", args.nsapi, nsapi_env), ("baseline", args.baseline, dict(os.environ))]
    for run in range(1, args.runs + 1):
        for name, binary, env in servers:
            elapsed_ms = time_startup(binary, args.workers, env, args.timeout)
            print(f"startup\t-\t-\t{run}\t{name}\tms\t{elapsed_ms:.3f}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("free-port", help="print a free TCP port of 127.0.0.1")

    wait = commands.add_parser("wait", help="poll a URL until it responds 200")
    wait.add_argument("url")
    wait.add_argument("--timeout", type=float, default=10.0, help="maximum wait in seconds")

    compare = commands.add_parser("compare", help="compare the JSON bodies of two URLs")
    compare.add_argument("url_a")
    compare.add_argument("url_b")
    compare.add_argument("--user-agent", help="User-Agent header of both requests")

    load = commands.add_parser("load", help="send a fixed number of requests, one at a time")
    load.add_argument("url")
    load.add_argument("--requests", type=int, required=True, help="number of requests")
    load.add_argument("--user-agent", help="User-Agent header of every request")
    load.add_argument("--timeout", type=float, default=60.0, help="maximum seconds per response")

    startup = commands.add_parser("startup", help="time exec to the first 200 response")
    startup.add_argument("--nsapi", required=True, help="path of the nsapi binary")
    startup.add_argument("--baseline", required=True, help="path of the baseline binary")
    startup.add_argument("--runs", type=int, default=30, help="runs per server")
    startup.add_argument("--workers", type=int, required=True, help="worker threads of each server")
    startup.add_argument("--timeout", type=float, default=10.0, help="maximum seconds per run")

    args = parser.parse_args()
    if args.command == "free-port":
        print(free_port())
        return 0
    handlers = {
        "wait": command_wait,
        "compare": command_compare,
        "load": command_load,
        "startup": command_startup,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
