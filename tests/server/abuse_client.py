#!/usr/bin/python3
"""Abuse driver for tests/server/abuse_test.cc. Prints one JSON object.

  garbage  --port P --ca F   bytes before TLS (plain HTTP, random), garbage
                             inside TLS after a good handshake, and a TLS
                             record with a corrupt MAC; reports what each got
  idle     --port P --count N --ca F
                             opens N TCP connections that send nothing, then
                             one real HTTPS request while they are open;
                             reports how many connected and that status
  connflood --port P --ca F --seconds S --threads T --body-file B
                             T threads, each opening a new TLS connection per
                             request (POST /validate, Connection: close) for S
                             seconds, while as many threads open and drop bare
                             TCP connections; counts every request sent and
                             every answer by status, and lists any request
                             that got no answer
  bigbodies --port P --ca F --count N --body-file B --hold-dir D
                             N keep-alive TLS connections each send B once and
                             read the answer; then, holding all of them open,
                             creates D/held and waits (up to 120 s) for
                             D/release before closing; reports the statuses
"""
import argparse
import json
import os
import resource
import socket
import ssl
import struct
import sys
import threading
import time


def tls_ctx(ca):
    return ssl.create_default_context(cafile=ca)


def request_status(port, ca, path="/livez"):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with tls_ctx(ca).wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        line = data.split(b"\r\n", 1)[0].decode(errors="replace")
        return int(line.split()[1]) if line.startswith("HTTP/1.1 ") else 0
    except Exception as e:  # noqa: BLE001 - any failure is the result
        return str(e)[:120]


def status_after_flood(port, ca, settle_seconds=10.0):
    """/livez once the flood is over. Connections the flood queued may still hold the server at its connection
    cap for a moment on a loaded machine, and it answers 503 then (an answer, as it must); the check is that it
    serves again, so a 503 is asked again until settle_seconds have passed."""
    deadline = time.monotonic() + settle_seconds
    while True:
        status = request_status(port, ca)
        if status != 503 or time.monotonic() >= deadline:
            return status
        time.sleep(0.2)


def outcome_of_raw(port, payload):
    """Sends payload on plain TCP; 'closed' when the server hangs up."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(payload)
            data = s.recv(4096)
            return "closed" if not data else "bytes"
        except (ConnectionResetError, BrokenPipeError):
            return "closed"
        except socket.timeout:
            return "timeout"


def mode_garbage(args):
    out = {}
    out["plain_http"] = outcome_of_raw(args.port, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
    out["random"] = outcome_of_raw(args.port, os.urandom(4096))
    out["tls_record_junk"] = outcome_of_raw(args.port, b"\x16\x03\x01\xff\xff" + os.urandom(2048))
    # A good handshake, then bytes that are not HTTP.
    try:
        with socket.create_connection(("127.0.0.1", args.port), timeout=10) as raw:
            with tls_ctx(args.ca).wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(os.urandom(2048) + b"\r\n\r\n")
                data = s.recv(4096)
                line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                out["inside_tls"] = line if data else "closed"
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as e:
        out["inside_tls"] = "closed"
    # A good handshake, then a corrupted TLS record (bad MAC) on the raw fd.
    try:
        raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        s = tls_ctx(args.ca).wrap_socket(raw, server_hostname="localhost")
        fd = s.detach()
        try:
            os.write(fd, b"\x17\x03\x03\x00\x20" + os.urandom(32))
            data = os.read(fd, 4096)
            out["bad_mac"] = "closed" if not data else "alert"
        except OSError:
            out["bad_mac"] = "closed"
        finally:
            os.close(fd)
    except Exception as e:  # noqa: BLE001
        out["bad_mac"] = "error: " + str(e)[:80]
    out["after"] = status_after_flood(args.port, args.ca)
    return out


def mode_idle(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.count + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    held = []
    failed = 0
    for _ in range(args.count):
        try:
            held.append(socket.create_connection(("127.0.0.1", args.port), timeout=10))
        except OSError:
            failed += 1
    status = request_status(args.port, args.ca)
    for s in held:
        s.close()
    return {"connected": len(held), "failed": failed, "status_while_held": status,
            "status_after": request_status(args.port, args.ca)}


def one_request(port, ctx, body):
    """One request on a fresh TLS connection; its status, or why none came."""
    request = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(request)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
    except Exception as e:  # noqa: BLE001 - a request without an answer is the finding
        return None, repr(e)[:160]
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    if not line.startswith("HTTP/1.1 "):
        return None, "no status line: " + repr(data[:80])
    return line.split()[1], None


def mode_connflood(args):
    with open(args.body_file, "rb") as f:
        body = f.read()
    ctx = tls_ctx(args.ca)
    lock = threading.Lock()
    out = {"sent": 0, "answered": 0, "statuses": {}, "unanswered": [], "bare_connections": 0}
    deadline = time.monotonic() + args.seconds

    def requester():
        while time.monotonic() < deadline:
            status, err = one_request(args.port, ctx, body)
            with lock:
                out["sent"] += 1
                if status is None:
                    out["unanswered"].append(err)
                else:
                    out["answered"] += 1
                    out["statuses"][status] = out["statuses"].get(status, 0) + 1

    def dropper():
        n = 0
        while time.monotonic() < deadline:
            try:
                s = socket.create_connection(("127.0.0.1", args.port), timeout=5)
                # Close with a reset: 20,000 TIME_WAIT sockets a run would
                # crowd the ports other tests connect from.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                n += 1
            except OSError:
                pass
        with lock:
            out["bare_connections"] += n

    threads = [threading.Thread(target=requester) for _ in range(args.threads)]
    threads += [threading.Thread(target=dropper) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out["unanswered"] = out["unanswered"][:20]
    out["after"] = status_after_flood(args.port, args.ca)
    return out


def read_response(s):
    """Reads one HTTP/1.1 response with a Content-Length; its status code."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode(errors="replace").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, val = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(val.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        rest += chunk
    return lines[0].split()[1]


def mode_bigbodies(args):
    with open(args.body_file, "rb") as f:
        body = f.read()
    request = (b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    ctx = tls_ctx(args.ca)
    held, statuses, errors = [], {}, []
    for _ in range(args.count):
        try:
            raw = socket.create_connection(("127.0.0.1", args.port), timeout=30)
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(request)
            status = read_response(s)
            statuses[status] = statuses.get(status, 0) + 1
            held.append(s)
        except Exception as e:  # noqa: BLE001 - reported, the test decides
            errors.append(repr(e)[:160])
    open(os.path.join(args.hold_dir, "held"), "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(os.path.join(args.hold_dir, "release")) and time.monotonic() < deadline:
        time.sleep(0.05)
    for s in held:
        s.close()
    return {"held": len(held), "statuses": statuses, "errors": errors[:20]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["garbage", "idle", "connflood", "bigbodies"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seconds", type=float, default=3)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--body-file")
    p.add_argument("--hold-dir")
    args = p.parse_args()
    modes = {"garbage": mode_garbage, "idle": mode_idle, "connflood": mode_connflood,
             "bigbodies": mode_bigbodies}
    print(json.dumps(modes[args.mode](args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
