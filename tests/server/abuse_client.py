#!/usr/bin/python3
"""Abuse driver for tests/server/abuse_test.cc. Prints one JSON object.

  garbage  --port P --ca F   bytes before TLS (plain HTTP, random), garbage
                             inside TLS after a good handshake, and a TLS
                             record with a corrupt MAC; reports what each got
  idle     --port P --count N --ca F
                             opens N TCP connections that send nothing, then
                             one real HTTPS request while they are open;
                             reports how many connected and that status
"""
import argparse
import json
import os
import resource
import socket
import ssl
import sys


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
    out["after"] = request_status(args.port, args.ca)
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["garbage", "idle"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--count", type=int, default=10000)
    args = p.parse_args()
    print(json.dumps({"garbage": mode_garbage, "idle": mode_idle}[args.mode](args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
