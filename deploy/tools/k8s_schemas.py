"""Writes the JSON schemas kubeconform needs to validate rendered manifests, offline.

Kubernetes kinds: from the strict schemas shipped in the PyPI package kubernetes-validate, which split
every schema into a kind file plus a shared `_definitions.json`; each needed kind is written as one
standalone file (its `$ref`s pointed at a local `$defs` holding only the definitions it reaches).
Custom resources: from the CRD manifests of prometheus-operator and KEDA (their Go modules), converted
from `openAPIV3Schema` to strict JSON schema: `nullable`, `x-kubernetes-int-or-string` and
`x-kubernetes-preserve-unknown-fields` mapped, and `additionalProperties: false` on every object whose
properties are listed.

Output layout (two kubeconform -schema-location templates):
  <out>/{{ .ResourceKind }}{{ .KindSuffix }}.json              Kubernetes kinds
  <out>/crd/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json   custom resources

usage: k8s_schemas.py --k8s DIR --out DIR [--crd FILE ...] MANIFEST ...
"""

import argparse
import json
import pathlib
import re
import sys

import yaml

# Kind files point into the shared file; definitions point at each other inside it.
REF = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")


def kind_file(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def bundle_kind(k8s_dir: pathlib.Path, name: str, defs: dict) -> dict:
    schema = json.loads((k8s_dir / name).read_text())
    needed: dict = {}

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (m := REF.match(ref)):
                node["$ref"] = f"#/$defs/{m.group(1)}"
                if m.group(1) not in needed:
                    needed[m.group(1)] = json.loads(json.dumps(defs[m.group(1)]))
                    walk(needed[m.group(1)])
            for key, value in node.items():
                if key != "$ref":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    schema["$defs"] = needed
    schema.pop("$id", None)
    return schema


def strict_openapi(node):
    """openAPIV3Schema (CRD dialect) -> strict JSON schema."""
    if isinstance(node, list):
        return [strict_openapi(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_openapi(v) for k, v in node.items() if k != "format"}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "properties" in node and "additionalProperties" not in node and not preserve:
        out["additionalProperties"] = False
    return out


def crd_schemas(crd_files):
    for path in crd_files:
        for doc in yaml.safe_load_all(pathlib.Path(path).read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schema = strict_openapi(version["schema"]["openAPIV3Schema"])
                schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                yield key, schema


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k8s", required=True, type=pathlib.Path)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--crd", action="append", default=[])
    parser.add_argument("manifests", nargs="+")
    args = parser.parse_args()

    wanted = set()
    for manifest in args.manifests:
        for doc in yaml.safe_load_all(pathlib.Path(manifest).read_text()):
            if doc:
                wanted.add((doc["apiVersion"], doc["kind"]))

    crds = dict(crd_schemas(args.crd))
    defs = None
    for api_version, kind in sorted(wanted):
        if (api_version, kind) in crds:
            group, _, version = api_version.rpartition("/")
            target = args.out / "crd" / group / f"{kind.lower()}_{version}.json"
            schema = crds[(api_version, kind)]
        else:
            name = kind_file(api_version, kind)
            target = args.out / name
            if target.exists():
                continue
            if not (args.k8s / name).exists():
                print(f"no schema for {api_version} {kind} ({name})", file=sys.stderr)
                return 1
            if defs is None:
                defs = json.loads((args.k8s / "_definitions.json").read_text())["$defs"]
            schema = bundle_kind(args.k8s, name, defs)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(schema))
    return 0


if __name__ == "__main__":
    sys.exit(main())
