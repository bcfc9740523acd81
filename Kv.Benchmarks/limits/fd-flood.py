#!/usr/bin/env python3
"""A node at its file-descriptor limit: CPU, log lines and whether it serves again.

Usage: fd-flood.py DIR [SECONDS]
  DIR holds a built Kv.Server.dll (e.g. dotnet build -c Release Kv.Server/Kv.Server.csproj -o /tmp/kv).

Starts a named node under `prlimit --nofile=256:256` with --max-clients 100000 (so that the limit, not
max clients, is what the flood meets), hosting the port mapper on a free port; opens 400 connections
to its text server, 50 to its distribution port and 50 to the port mapper, and holds them SECONDS (5)
seconds; prints the node's CPU time (utime+stime of /proc/PID/stat) and log lines over that window,
then closes them all and times a fresh client's CREATE. The node's output goes to /tmp/fd-flood.log.
"""
import os, re, socket, subprocess, sys, time

dll_dir = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
pm_port = probe.getsockname()[1]
probe.close()
log_path = "/tmp/fd-flood.log"
log = open(log_path, "w")
proc = subprocess.Popen(["prlimit", "--nofile=256:256", "--", "dotnet", os.path.join(dll_dir, "Kv.Server.dll"),
                         "--sname", f"flood{os.getpid()}", "--cookie", "flood", "--port", "0", "--bind", "127.0.0.1",
                         "--max-clients", "100000"],
                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd="/tmp",
                        env=dict(os.environ, KV_PORTMAPPER_PORT=str(pm_port)))


def output():
    return open(log_path, errors="replace").read()


def cpu_seconds():
    fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


try:
    for _ in range(300):
        m = re.search(r"kv listening on 127.0.0.1:(\d+)", output())
        if m:
            break
        time.sleep(0.1)
    port = int(m.group(1))
    dist = int(re.search(r"distribution listening on [0-9.]+:(\d+)", output()).group(1))
    flood = ([socket.create_connection(("127.0.0.1", port)) for _ in range(400)]
             + [socket.create_connection(("127.0.0.1", dist)) for _ in range(50)]
             + [socket.create_connection(("127.0.0.1", pm_port)) for _ in range(50)])
    cpu_before, lines_before = cpu_seconds(), output().count("\n")
    time.sleep(seconds)
    cpu, lines = cpu_seconds() - cpu_before, output().count("\n") - lines_before
    alive = proc.poll() is None
    for s in flood:
        s.close()
    started = time.time()
    try:
        fresh = socket.create_connection(("127.0.0.1", port))
        fresh.settimeout(15)
        fresh.sendall(b"CREATE fresh\r\n")
        reply = fresh.recv(100)
    except OSError as e:
        reply = repr(e)
    served_in = time.time() - started
finally:
    proc.kill()
    proc.wait()

print(f"flood of {seconds:.0f} s: node alive at its end: {alive}; CPU {cpu:.2f} s ({cpu / seconds:.2f} cores); {lines} log lines")
print(f"then a fresh client got {reply!r} in {served_in:.2f} s; log in all: {os.path.getsize(log_path) / 1e6:.1f} MB"
      f", 'Out of memory.' {output().count('Out of memory.')} time(s)")
