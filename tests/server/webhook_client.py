#!/usr/bin/python3
"""Test client for the coco-admit server tests: real http.client + ssl.

Every mode prints one JSON document on stdout. TLS is used when --ca is given
(the server certificate is verified against it), plain HTTP otherwise.

  sequence  --requests FILE   send [{method,path,headers,body}] on one
                              connection; per response: status, body,
                              headers, the local port (equal ports = reuse)
  flood     --path P --body-file F (--seconds S | --count N) --threads T
                              T threads, each on a keep-alive connection,
                              count statuses and errors; revisions seen
  peer-cert                   the PEM certificate the server presents
  slow-header                 send half a request line, report how long
                              until the server closes
  raw --data-file F           send bytes, report the status line answered
  cap --hold N                hold N open connections, then try one more
"""
import argparse
import http.client
import json
import socket
import ssl
import sys
import threading
import time


def context(args):
    if not args.ca:
        return None
    ctx = ssl.create_default_context(cafile=args.ca)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


def connect(args):
    ctx = context(args)
    if ctx is None:
        return http.client.HTTPConnection("127.0.0.1", args.port, timeout=args.timeout)
    return http.client.HTTPSConnection("localhost", args.port, timeout=args.timeout, context=ctx)


def raw_socket(args):
    s = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    ctx = context(args)
    if ctx is not None:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    return s


def mode_sequence(args):
    with open(args.requests) as f:
        reqs = json.load(f)
    conn = connect(args)
    out = []
    for r in reqs:
        try:
            conn.request(r.get("method", "POST"), r["path"], body=r.get("body", "").encode(),
                         headers=r.get("headers", {"Content-Type": "application/json"}))
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace")
            out.append({"status": resp.status, "body": body, "headers": dict(resp.getheaders()),
                        "local_port": conn.sock.getsockname()[1] if conn.sock else None})
        except Exception as e:  # the test asserts on it
            out.append({"status": 0, "error": repr(e)})
            conn.close()
    print(json.dumps(out))


def mode_flood(args):
    with open(args.body_file) as f:
        body = f.read().encode()
    lock = threading.Lock()
    result = {"count": 0, "statuses": {}, "errors": [], "revisions": []}
    deadline = time.monotonic() + (args.seconds or 0)

    def worker():
        conn = connect(args)
        n = 0
        while (args.count and n < args.count) or (not args.count and time.monotonic() < deadline):
            n += 1
            try:
                conn.request("POST", args.path, body=body, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                text = resp.read().decode(errors="replace")
                rev = None
                if resp.status == 200:
                    for w in json.loads(text).get("response", {}).get("warnings", []):
                        if w.startswith("revision "):
                            rev = w[9:]
                with lock:
                    result["count"] += 1
                    result["statuses"][str(resp.status)] = result["statuses"].get(str(resp.status), 0) + 1
                    if rev and rev not in result["revisions"]:
                        result["revisions"].append(rev)
            except Exception as e:
                with lock:
                    result["errors"].append(repr(e))
                conn.close()
                conn = connect(args)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(result))


def mode_peer_cert(args):
    s = raw_socket(argparse.Namespace(**{**vars(args), "ca": None, "cert": None}))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(s, server_hostname="localhost")
    der = t.getpeercert(binary_form=True)
    t.close()
    print(json.dumps({"pem": ssl.DER_cert_to_PEM_cert(der)}))


def mode_slow_header(args):
    s = raw_socket(args)
    start = time.monotonic()
    s.sendall(b"POST /mutate HTTP/1.1\r\nHost: localhost\r\n")
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, ssl.SSLError, socket.timeout) as e:
        data += repr(e).encode()
    print(json.dumps({"closed_after": time.monotonic() - start, "data": data.decode(errors="replace")}))


def mode_raw(args):
    with open(args.data_file, "rb") as f:
        data = f.read()
    s = raw_socket(args)
    s.sendall(data)
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except Exception as e:
        got += repr(e).encode()
    print(json.dumps({"response": got.decode(errors="replace")}))


def mode_cap(args):
    held = []
    statuses = []
    for _ in range(args.hold + 1):
        try:
            c = connect(args)
            c.request("GET", "/livez")
            r = c.getresponse()
            r.read()
            statuses.append(r.status)
            held.append(c)
        except Exception as e:
            statuses.append(repr(e))
    print(json.dumps({"statuses": statuses}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--requests")
    p.add_argument("--path", default="/mutate")
    p.add_argument("--body-file")
    p.add_argument("--data-file")
    p.add_argument("--seconds", type=float)
    p.add_argument("--count", type=int)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--hold", type=int, default=0)
    args = p.parse_args()
    {"sequence": mode_sequence, "flood": mode_flood, "peer-cert": mode_peer_cert,
     "slow-header": mode_slow_header, "raw": mode_raw, "cap": mode_cap}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
