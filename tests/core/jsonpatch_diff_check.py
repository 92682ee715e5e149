#!/usr/bin/env python3
"""Differential check of coco-admit's JSON patch diff against python-jsonpatch (an independent RFC 6902 engine).

Reads JSON lines {"before": ..., "after": ..., "patch": [...]} from stdin and verifies that applying `patch` to
`before` with jsonpatch gives `after`. Exits 1 with a message naming the first failing line, 0 otherwise.
"""
import json
import sys

try:
    import jsonpatch
except ImportError:
    print("jsonpatch module not available", file=sys.stderr)
    sys.exit(77)


def main() -> int:
    count = 0
    for lineno, line in enumerate(sys.stdin, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            case = json.loads(line)
            got = jsonpatch.apply_patch(case["before"], case["patch"], in_place=False)
        except Exception as e:  # noqa: BLE001 - any failure of the independent engine is a finding
            print(f"line {lineno}: applying the patch failed: {e!r}", file=sys.stderr)
            return 1
        if got != case["after"]:
            print(f"line {lineno}: patch result differs\n  got:      {json.dumps(got)}\n"
                  f"  expected: {json.dumps(case['after'])}\n  patch:    {json.dumps(case['patch'])}",
                  file=sys.stderr)
            return 1
        count += 1
    print(f"{count} patches verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
