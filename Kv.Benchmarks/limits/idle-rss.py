#!/usr/bin/env python3
"""Memory per idle client of the text server, as the node's RSS (VmRSS of /proc/PID/status) shows it.

Usage: idle-rss.py DIR [CLIENTS]
  DIR holds a built Kv.Server.dll (e.g. dotnet build -c Release Kv.Server/Kv.Server.csproj -o /tmp/kv).

Starts `dotnet DIR/Kv.Server.dll --port 0 --bind 127.0.0.1`, warms it up with one client, then:
opens CLIENTS (1000) connections that send nothing; has each send one GET and read its reply, then
stay idle; closes them all; opens as many again (one GET each). RSS is read 3 s after each step,
without forcing a collection in the node.
"""
import os, re, socket, subprocess, sys, threading, time

dll_dir = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


def read_reply(sock, end=b"OK\r\n"):
    data = b""
    while not data.endswith(end):
        data += sock.recv(100)


proc = subprocess.Popen(["dotnet", os.path.join(dll_dir, "Kv.Server.dll"), "--port", "0", "--bind", "127.0.0.1"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/tmp")
try:
    port = None
    deadline = time.time() + 30
    while port is None and time.time() < deadline:
        m = re.search(r"kv listening on .*:(\d+)$", proc.stdout.readline().strip())
        port = int(m.group(1)) if m else None
    assert port, "the node never said where it listens"
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()

    warm = socket.create_connection(("127.0.0.1", port))
    warm.sendall(b"CREATE warm\r\n" + b"PUT warm k v\r\n" * 50)
    got = b""
    while got.count(b"\n") < 51:
        got += warm.recv(65536)
    warm.close()
    time.sleep(3)
    start = rss_kib(proc.pid)

    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    time.sleep(3)
    connected = rss_kib(proc.pid)
    for c in clients:
        c.sendall(b"GET warm k\r\n")
    for c in clients:
        read_reply(c)
    time.sleep(3)
    answered = rss_kib(proc.pid)
    for c in clients:
        c.close()
    time.sleep(3)
    closed = rss_kib(proc.pid)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    for c in clients:
        c.sendall(b"GET warm k\r\n")
    for c in clients:
        read_reply(c)
    time.sleep(3)
    again = rss_kib(proc.pid)
    for c in clients:
        c.close()
finally:
    proc.kill()
    proc.wait()

print(f"{n} clients; node RSS before them {start} KiB")
print(f"  connected, nothing sent  : +{connected - start} KiB, {1024 * (connected - start) / n:.0f} B per client")
print(f"  one GET each, then idle  : +{answered - start} KiB, {1024 * (answered - start) / n:.0f} B per client")
print(f"  all closed               : +{closed - start} KiB over the start")
print(f"  {n} more, one GET each   : +{again - closed} KiB over that")
