#!/usr/bin/python3
"""Reads rendered chart YAML (stdin or a file) and checks that every document is a Kubernetes object with
apiVersion, kind and metadata.name; prints one line per object. Exit 1 on the first that is not."""
import sys

import yaml

text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
docs = [d for d in yaml.safe_load_all(text) if d]
for d in docs:
    if not isinstance(d, dict) or not all(k in d for k in ('apiVersion', 'kind', 'metadata')) \
            or not d['metadata'].get('name'):
        print('not a Kubernetes object:', d)
        sys.exit(1)
    print(d['kind'], d['metadata']['name'], d['metadata'].get('namespace', '-'))
print(len(docs), 'objects')
