#!/usr/bin/env python3
"""Writes LICENSE-THIRD-PARTY: the licence texts of every crate the domainsig library links.

    scripts/third_party_licenses.py OUT

The crates are the normal (not build, not dev) dependencies of the `domainsig` package reachable
from it in `cargo metadata` for x86_64 Linux, the release target: what the shared and static
libraries, the wheel and the npm addon contain (plus the CLI's HTTPS client, which shares the
package's dependency list). Each crate's own licence files (LICENSE*, LICENCE*, COPYING*, NOTICE*,
at the top of the crate as published) are copied in unedited; a text identical (up to white space)
to one already given is named, not repeated. A crate that ships none but offers
Apache-2.0 as one choice of a plain `A OR B` licence is used under Apache-2.0, whose text is
domainsig's own LICENSE; any other crate without a licence file is an error, to be looked at by hand.
"""

import json
import os
import subprocess
import sys

PREFIXES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "COPYRIGHT")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", "x86_64-unknown-linux-gnu"],
            check=True,
            capture_output=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(i for i, p in packages.items() if p["name"] == "domainsig" and p["source"] is None)
    seen, todo = set(), [root]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    out, missing, given = [], [], {}
    out.append(
        "Third-party code in domainsig's release artifacts: the Rust crates its library depends on,\n"
        "as locked in Cargo.lock, each with the licence texts it ships (unedited). domainsig itself is\n"
        "under the Apache License 2.0 (LICENSE); see also NOTICE.\n"
    )
    for pid in sorted(seen, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        p = packages[pid]
        folder = os.path.dirname(p["manifest_path"])
        files = sorted(
            f for f in os.listdir(folder)
            if f.upper().startswith(PREFIXES) and os.path.isfile(os.path.join(folder, f))
        )
        if p.get("license_file") and os.path.basename(p["license_file"]) not in files:
            files.append(p["license_file"])
        choices = [c.strip() for c in p["license"].replace("/", " OR ").split(" OR ")] if p["license"] else []
        if not files and "(" not in (p["license"] or "") and "Apache-2.0" in choices:
            out.append("=" * 100)
            out.append(f"{p['name']} {p['version']}: {p['license']}")
            out.append("The crate ships no licence file; used under Apache-2.0 (its text: LICENSE).\n")
            continue
        if not files:
            missing.append(f"{p['name']} {p['version']} ({p['license']})")
            continue
        out.append("=" * 100)
        out.append(f"{p['name']} {p['version']}: {p['license']}")
        if p.get("repository"):
            out.append(p["repository"])
        for f in files:
            with open(os.path.join(folder, f), encoding="utf-8", errors="replace") as fh:
                text = fh.read().rstrip()
            key = " ".join(text.split())
            if key in given:
                out.append(f"--- {f}: the same text as {given[key]} above\n")
            else:
                given[key] = f"{p['name']} {p['version']} {f}"
                out.append(f"--- {f}\n")
                out.append(text + "\n")
    if missing:
        print("third_party_licenses: crates with no licence file:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        fh.write("\n".join(out))
    print(f"third_party_licenses: {len(seen)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
