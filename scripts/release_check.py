#!/usr/bin/env python3
"""The checks of scripts/release-check.sh that read manifests rather than run tools.

    release_check.py metadata CRATE...   the published crates' crates.io metadata and files,
                                         and that no other workspace member is publishable
    release_check.py versions            one version for every package (crates, npm, PyPI,
                                         Maven, Swift) and a CHANGELOG section for it

Each prints what it checked on success (stdout); on failure one message per problem, naming the
file to fix (stderr), and exits 1. Reads `cargo metadata` and `cargo tree`; changes nothing.
"""

import json
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# crates.io: at most five keywords, each an ASCII word of at most 20 characters.
KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]{0,19}$")
LICENSE_FILES = ("LICENSE-MIT", "LICENSE-APACHE")


def cargo_metadata(no_deps=True):
    args = ["cargo", "metadata", "--format-version", "1", "--locked"]
    if no_deps:
        args.append("--no-deps")
    return json.loads(subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout)


def members(meta):
    ids = set(meta["workspace_members"])
    return [p for p in meta["packages"] if p["id"] in ids]


def rel(path):
    return str(Path(path).resolve().relative_to(ROOT))


def version_tuple(v):
    parts = [int(x) for x in re.findall(r"\d+", v)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def locked_rust_versions(meta, crate):
    """(highest rust-version, its crate) among what `crate` builds with, every feature on."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", "-p", crate, "--all-features", "-e", "normal,build", "--prefix", "none",
         "--format", "{p}"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    wanted = {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}
    best = ("0", None)
    for p in meta["packages"]:
        rv = p.get("rust_version")
        if rv and (p["name"], "v" + p["version"]) in wanted and version_tuple(rv) > version_tuple(best[0]):
            best = (rv, f'{p["name"]} {p["version"]}')
    return best


def check_metadata(published):
    problems = []
    meta = cargo_metadata(no_deps=False)
    by_name = {p["name"]: p for p in members(meta)}
    for name in published:
        if name not in by_name:
            problems.append(f"{name}: not a workspace member (Cargo.toml [workspace] members)")
    for p in members(meta):
        publishable = p["publish"] is None or "crates-io" in p["publish"]
        if publishable and p["name"] not in published:
            problems.append(f'{rel(p["manifest_path"])}: {p["name"]} would be published: set publish = false, or add '
                            f"it to PUBLISHED in scripts/release-check.sh")
        if not publishable and p["name"] in published:
            problems.append(f'{rel(p["manifest_path"])}: {p["name"]} is listed as published but has publish = false')
    for name in published:
        p = by_name.get(name)
        if p is None:
            continue
        manifest = rel(p["manifest_path"])
        crate_dir = Path(p["manifest_path"]).parent
        for field in ("description", "license", "repository", "readme", "rust_version"):
            if not p.get(field):
                problems.append(f"{manifest}: {name} has no {field.replace('_', '-')}")
        if p.get("readme") and not (crate_dir / p["readme"]).is_file():
            problems.append(f'{manifest}: readme {p["readme"]} does not exist')
        keywords = p.get("keywords") or []
        if not 1 <= len(keywords) <= 5:
            problems.append(f"{manifest}: {name} needs 1 to 5 keywords (has {len(keywords)})")
        for k in keywords:
            if not KEYWORD.match(k):
                problems.append(f"{manifest}: keyword {k!r} is not accepted by crates.io")
        if not p.get("categories"):
            problems.append(f"{manifest}: {name} has no categories")
        for f in LICENSE_FILES:
            if not (crate_dir / f).is_file():
                problems.append(f"{rel(crate_dir)}/{f} is missing (a link to ../{f}: the package must carry it)")
        if p.get("rust_version"):
            needed, by = locked_rust_versions(meta, name)
            if version_tuple(needed) > version_tuple(p["rust_version"]):
                problems.append(f'{manifest}: rust-version {p["rust_version"]} (Cargo.toml [workspace.package] when '
                                f"inherited) is below {needed}, which {by} (locked in Cargo.lock) needs")
    if problems:
        return problems
    print(f"{len(published)} crates: description, license, repository, readme, keywords, categories, "
          f"rust-version (covers every locked dependency), license files; every other member publish = false")
    return []


def pom_version(path):
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.parse(path).getroot()
    v = root.find("m:version", ns)
    if v is None:
        v = root.find("m:parent/m:version", ns)
    if v is None:
        return None
    value = v.text.strip()
    prop = re.fullmatch(r"\$\{(.+)\}", value)
    if prop:
        p = root.find(f"m:properties/m:{prop.group(1)}", ns)
        value = p.text.strip() if p is not None else value
    return value


def check_versions():
    problems = []
    checked = []
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    version = cargo["workspace"]["package"]["version"]

    def expect(file, found, what="version"):
        checked.append(file)
        if found != version:
            problems.append(f"{file}: {what} is {found!r}, the workspace's (Cargo.toml) is {version!r}")

    # Crates: every member, and the internal dependencies the published crates name.
    meta = cargo_metadata()
    for p in members(meta):
        if p["version"] != version:
            problems.append(f'{rel(p["manifest_path"])}: {p["name"]} has version {p["version"]!r}, the workspace\'s '
                            f"(Cargo.toml) is {version!r}")
    for dep, spec in cargo["workspace"].get("dependencies", {}).items():
        if isinstance(spec, dict) and "path" in spec:
            req = spec.get("version")
            if req is None or req.lstrip("=^") != version:
                problems.append(f"Cargo.toml: [workspace.dependencies] {dep} asks for version {req!r}, "
                                f"the workspace's is {version!r}")
    checked.append(f"Cargo.toml ({len(members(meta))} crates)")

    # npm
    pkg = ROOT / "bindings-wasm/pkg/package.json"
    expect(rel(pkg), json.loads(pkg.read_text()).get("version"))

    # PyPI: a static version, or maturin's dynamic one (the binding crate's, checked above).
    pyproject = ROOT / "bindings-python/pyproject.toml"
    project = tomllib.loads(pyproject.read_text()).get("project", {})
    if "version" in project:
        expect(rel(pyproject), project["version"])
    elif "version" in project.get("dynamic", []):
        checked.append(f"{rel(pyproject)} (dynamic: the crate's)")
    else:
        problems.append(f"{rel(pyproject)}: [project] states no version and does not take it from the crate")

    # Maven
    pom = ROOT / "bindings-mobile/kotlin/pom.xml"
    expect(rel(pom), pom_version(pom))

    # Swift: SwiftPM versions a package by its git tag; a version stated in the manifest (a
    # `version` constant, a release URL of the binary target) must agree.
    for swift in sorted(ROOT.glob("bindings-mobile/swift/**/Package.swift")):
        text = "\n".join(line for line in swift.read_text().splitlines() if "swift-tools-version" not in line)
        stated = re.findall(r'\bversion\s*[:=]\s*"([^"]+)"', text, re.I)
        stated += re.findall(r'url:\s*"[^"]*?/v?(\d+\.\d+\.\d+[^/"]*)/[^"]*"', text)
        for s in stated:
            expect(rel(swift), s)
        if not stated:
            checked.append(f"{rel(swift)} (states none)")

    # The changelog has this version's section.
    changelog = ROOT / "CHANGELOG.md"
    if not changelog.is_file():
        problems.append(f"CHANGELOG.md is missing (keep-a-changelog, a section per version)")
    elif not re.search(rf"^## \[{re.escape(version)}\]", changelog.read_text(), re.M):
        problems.append(f"CHANGELOG.md has no '## [{version}]' section")
    else:
        checked.append("CHANGELOG.md")

    if problems:
        return problems
    print(f"{version} in " + ", ".join(dict.fromkeys(checked)))
    return []


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("metadata", "versions"):
        sys.exit(__doc__)
    problems = check_metadata(sys.argv[2:]) if sys.argv[1] == "metadata" else check_versions()
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
