#!/usr/bin/env python3
"""Time from starting a kv node until its TCP text port accepts a connection.

Usage: start-time.py RUNS [--max SECONDS] -- COMMAND...   (run from the repository root)
e.g.   start-time.py 5 -- dotnet run --project Kv.Server -- --port 4999
       start-time.py 5 -- dotnet out/kv/Kv.Server.dll --port 4999

The command must open the port given with --port (the text server). Each run starts it, connects to
127.0.0.1:PORT every 5 ms until a connection is accepted (at most 60 s), stops it with SIGTERM (its
whole process group: `dotnet run` starts the node as a child) and waits for it to end. Prints each
run's time and the median, minimum and maximum, in seconds. With --max, exits 1 when the slowest
run took longer than SECONDS (CI's check that the published node starts quickly).
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def port_of(command):
    for flag, value in zip(command, command[1:]):
        if flag == "--port":
            return int(value)
    sys.exit("the command must give --port N, the port to wait for")


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.05):
            return True
    except OSError:
        return False


def one_run(command, port, limit=60.0):
    if accepts(port):
        sys.exit(f"port {port} already accepts connections: something else listens there")
    started = time.monotonic()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while not accepts(port):
            if process.poll() is not None:
                sys.exit(f"the node exited with code {process.returncode} before its port opened")
            if time.monotonic() - started > limit:
                sys.exit(f"port {port} did not open within {limit} s")
            time.sleep(0.005)
        return time.monotonic() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main():
    args = sys.argv[1:]
    if "--" not in args or args.index("--") not in (1, 3):
        sys.exit(__doc__)
    runs = int(args[0])
    bound = float(args[2]) if args.index("--") == 3 and args[1] == "--max" else None
    command = args[args.index("--") + 1:]
    port = port_of(command)
    times = []
    for run in range(runs):
        elapsed = one_run(command, port)
        times.append(elapsed)
        print(f"run {run + 1}: {elapsed:.2f} s", flush=True)
    print(f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"over {runs} runs: {' '.join(command)}")
    if bound is not None and max(times) > bound:
        print(f"slower than {bound} s", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
