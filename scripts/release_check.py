#!/usr/bin/env python3
"""The checks of scripts/release-check.sh that read manifests rather than run tools.

    release_check.py metadata CRATE...   the published crates' crates.io metadata and files,
                                         and that no other workspace member is publishable
    release_check.py versions            one version for every package (crates, npm, PyPI,
                                         Maven, Swift) and a CHANGELOG section for it
    release_check.py python WHEEL SDIST  the Python distributions' metadata (PyPI's fields, PEP
                                         639 license), tags and contents
    release_check.py maven DIR           the Kotlin/JVM artifact installed in DIR (a Maven
                                         repository's version folder): pom, jars and contents
    release_check.py npm TARBALL         the npm package as `npm pack` made it: package.json's
                                         fields, and exactly the files its entry points reach

Each prints what it checked on success (stdout); on failure one message per problem, naming the
file to fix (stderr), and exits 1. Reads `cargo metadata` and `cargo tree`; changes nothing.
"""

import email.parser
import json
import posixpath
import re
import subprocess
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
import zipfile
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


POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def pom_text(root, path):
    """The text at `path` in a pom, a `${property}` resolved from its <properties>."""
    node = root.find(path, POM_NS)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    prop = re.fullmatch(r"\$\{(.+)\}", value)
    if prop:
        p = root.find(f"m:properties/m:{prop.group(1)}", POM_NS)
        value = p.text.strip() if p is not None else value
    return value


def pom_version(path):
    root = ET.parse(path).getroot()
    return pom_text(root, "m:version") or pom_text(root, "m:parent/m:version")


def pom_dependencies(root):
    """{groupId:artifactId: (version, scope)} of a pom's dependencies, properties resolved."""
    deps = {}
    for d in root.findall("m:dependencies/m:dependency", POM_NS):
        key = f'{pom_text(d, "m:groupId")}:{pom_text(d, "m:artifactId")}'
        version = pom_text(d, "m:version")
        prop = re.fullmatch(r"\$\{(.+)\}", version or "")
        if prop:
            p = root.find(f"m:properties/m:{prop.group(1)}", POM_NS)
            version = p.text.strip() if p is not None else version
        deps[key] = (version, pom_text(d, "m:scope") or "compile")
    return deps


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

    # Maven: the JVM suite's pom, the published artifact's, and the example that depends on it.
    for pom in (ROOT / "bindings-mobile/kotlin/pom.xml", ROOT / JVM_POM):
        expect(rel(pom), pom_version(pom))
    example = ROOT / "examples/kotlin-jvm/pom.xml"
    dep = pom_dependencies(ET.parse(example).getroot()).get(JVM_COORDINATES, (None,))[0]
    expect(rel(example), dep, f"its dependency {JVM_COORDINATES}")

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


def workspace():
    return tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]


# --- Python ---------------------------------------------------------------------------------

# Project-URL labels PyPI shows in its sidebar; a release should have each.
PROJECT_URLS = ("Homepage", "Repository", "Documentation", "Changelog", "Issues")


def core_metadata(text, where, version, problems):
    """Checks a wheel's METADATA or an sdist's PKG-INFO (core metadata) as PyPI reads it."""
    msg = email.parser.Parser().parsestr(text)
    ws = workspace()
    requires_python = tomllib.loads((ROOT / "bindings-python/pyproject.toml").read_text())["project"].get(
        "requires-python")

    def want(field, expected=None):
        value = msg.get(field)
        if not value:
            problems.append(f"{where}: no {field} (bindings-python/pyproject.toml [project])")
        elif expected is not None and value != expected:
            problems.append(f"{where}: {field} is {value!r}, expected {expected!r}")

    meta_version = tuple(int(x) for x in (msg.get("Metadata-Version") or "0").split("."))
    if meta_version < (2, 4):
        problems.append(f"{where}: Metadata-Version {msg.get('Metadata-Version')} cannot carry License-Expression")
    want("Name", "wxkf")
    want("Version", version)
    want("Summary")
    want("Requires-Python", requires_python)
    want("License-Expression", ws["license"])
    files = msg.get_all("License-File") or []
    for f in LICENSE_FILES:
        if f not in files:
            problems.append(f"{where}: no License-File {f} (pyproject license-files)")
    labels = {u.split(",", 1)[0].strip() for u in msg.get_all("Project-URL") or []}
    for label in PROJECT_URLS:
        if label not in labels:
            problems.append(f"{where}: no Project-URL {label!r} (pyproject [project.urls])")
    classifiers = msg.get_all("Classifier") or []
    for c in ("Programming Language :: Python :: 3", "Typing :: Typed"):
        if c not in classifiers:
            problems.append(f"{where}: no classifier {c!r}")
    if not any(c.startswith("Development Status ::") for c in classifiers):
        problems.append(f"{where}: no 'Development Status' classifier")
    for c in classifiers:
        if c.startswith("License ::"):
            problems.append(f"{where}: classifier {c!r}: PyPI refuses License classifiers next to a "
                            f"License-Expression (PEP 639)")
    if not (msg.get("Description-Content-Type") or "").startswith("text/markdown"):
        problems.append(f"{where}: the description is not Markdown (pyproject readme = README.md)")
    if len(msg.get_payload() or "") < 200:
        problems.append(f"{where}: no long description (the README)")
    return len(classifiers), sorted(labels)


def check_python(wheel, sdist):
    problems = []
    version = workspace()["version"]
    wheel, sdist = Path(wheel), Path(sdist)
    # The file name carries the tags: one abi3 wheel for every CPython >= 3.10, a manylinux platform.
    m = re.fullmatch(r"wxkf-([^-]+)-(cp\d+)-abi3-([a-z0-9_.]+)\.whl", wheel.name)
    if not m:
        return [f"{wheel.name}: not an abi3 wheel of wxkf (expected wxkf-VERSION-cp310-abi3-PLATFORM.whl)"]
    if m.group(1) != version:
        problems.append(f"{wheel.name}: version {m.group(1)}, the workspace's is {version}")
    if m.group(2) != "cp310":
        problems.append(f"{wheel.name}: built for {m.group(2)}, requires-python says >=3.10 (pyo3 abi3-py310)")
    if not all(p.startswith("manylinux") for p in m.group(3).split(".")):
        problems.append(f"{wheel.name}: platform {m.group(3)} is not manylinux: PyPI refuses it")

    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        dist_info = f"wxkf-{version}.dist-info"
        n_classifiers, labels = core_metadata(z.read(f"{dist_info}/METADATA").decode(), f"{wheel.name} METADATA",
                                              version, problems)
        wheel_meta = z.read(f"{dist_info}/WHEEL").decode()
        if f"Tag: {m.group(2)}-abi3-" not in wheel_meta or "Root-Is-Purelib: false" not in wheel_meta:
            problems.append(f"{wheel.name}: WHEEL does not state the abi3 tag and a platform wheel")
    for f in ("wxkf/__init__.py", "wxkf/_wxkf.abi3.so", "wxkf/py.typed", "wxkf/_wxkf.pyi", "wxkf/types.py",
              *(f"{dist_info}/licenses/{lf}" for lf in LICENSE_FILES)):
        if f not in names:
            problems.append(f"{wheel.name}: holds no {f}")
    stray = [n for n in names if not n.startswith(("wxkf/", f"{dist_info}/"))]
    if stray:
        problems.append(f"{wheel.name}: files outside the package: {stray[:5]}")

    root = f"wxkf-{version}"
    if sdist.name != f"{root}.tar.gz":
        problems.append(f"{sdist.name}: expected {root}.tar.gz")
    with tarfile.open(sdist) as t:
        members = [n.split("/", 1)[1] for n in t.getnames() if "/" in n]
        core_metadata(t.extractfile(f"{root}/PKG-INFO").read().decode(), f"{sdist.name} PKG-INFO", version, problems)
    for f in ("pyproject.toml", "Cargo.toml", "Cargo.lock", "README.md", *LICENSE_FILES, "python/wxkf/__init__.py",
              "bindings-python/Cargo.toml", "bindings-python/src/lib.rs", "core/Cargo.toml", "protocol/Cargo.toml"):
        if f not in members:
            problems.append(f"{sdist.name}: holds no {f} (a wheel cannot be built from it)")
    built = [n for n in members if n.endswith((".so", ".pyc", ".whl")) or n.startswith("target/")]
    if built:
        problems.append(f"{sdist.name}: holds build output: {built[:5]}")
    if problems:
        return problems
    print(f"{wheel.name} ({len(names)} files) and {sdist.name} ({len(members)} files): metadata {version}, "
          f"License-Expression, both license files, requires-python, {n_classifiers} classifiers, URLs "
          f"{', '.join(labels)}")
    return []


# --- Maven ----------------------------------------------------------------------------------

JVM_POM = "bindings-mobile/kotlin/jvm/pom.xml"
JVM_GROUP, JVM_ARTIFACT = "io.github.wxkf", "wxkf-kotlin"
JVM_COORDINATES = f"{JVM_GROUP}:{JVM_ARTIFACT}"
JVM_DEPENDENCIES = ("org.jetbrains.kotlin:kotlin-stdlib", "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm",
                    "net.java.dev.jna:jna")
JNA_LIBRARY = "linux-x86-64/libwxkf_mobile.so"


def is_elf_x86_64_shared(data):
    # ELF magic, 64-bit, little-endian; e_type ET_DYN (3); e_machine EM_X86_64 (62).
    return (data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
            and int.from_bytes(data[16:18], "little") == 3 and int.from_bytes(data[18:20], "little") == 62)


def check_maven(folder):
    problems = []
    version = workspace()["version"]
    folder = Path(folder)
    base = f"{JVM_ARTIFACT}-{version}"
    files = {kind: folder / f"{base}{suffix}" for kind, suffix in
             (("pom", ".pom"), ("jar", ".jar"), ("sources", "-sources.jar"), ("javadoc", "-javadoc.jar"))}
    for kind, f in files.items():
        if not f.is_file():
            problems.append(f"{f}: missing ({kind})")
    if problems:
        return problems

    pom = ET.parse(files["pom"]).getroot()
    coords = (pom_text(pom, "m:groupId"), pom_text(pom, "m:artifactId"), pom_text(pom, "m:version"))
    if coords != (JVM_GROUP, JVM_ARTIFACT, version):
        problems.append(f"{files['pom'].name}: coordinates {':'.join(map(str, coords))}, expected "
                        f"{JVM_COORDINATES}:{version}")
    # What Maven Central asks of a pom.
    for path, what in (("m:name", "name"), ("m:description", "description"), ("m:url", "url"),
                       ("m:licenses/m:license/m:name", "licenses"), ("m:developers/m:developer/m:name", "developers"),
                       ("m:scm/m:url", "scm")):
        if not pom_text(pom, path):
            problems.append(f"{JVM_POM}: no <{what}> (Maven Central requires it)")
    deps = pom_dependencies(pom)
    tested = pom_dependencies(ET.parse(ROOT / "bindings-mobile/kotlin/pom.xml").getroot())
    for dep in JVM_DEPENDENCIES:
        if dep not in deps:
            problems.append(f"{JVM_POM}: no dependency {dep}")
        elif deps[dep][1] not in ("compile", "runtime"):
            problems.append(f"{JVM_POM}: {dep} has scope {deps[dep][1]}: users would not get it")
        elif deps[dep][0] != tested.get(dep, (None,))[0]:
            problems.append(f"{JVM_POM}: {dep} {deps[dep][0]}, the JVM suite (bindings-mobile/kotlin/pom.xml) tests "
                            f"with {tested.get(dep, (None,))[0]}")

    with zipfile.ZipFile(files["jar"]) as z:
        names = z.namelist()
        classes = {pkg: [n for n in names if n.startswith(pkg + "/") and n.count("/") == pkg.count("/") + 1
                         and n.endswith(".class")] for pkg in ("wxkf", "wxkf/protocol")}
        for cls in ("wxkf/Client.class", "wxkf/KfException.class", "wxkf/Webhook.class",
                    "wxkf/protocol/ClientOptions.class", "wxkf/protocol/MessageContent.class"):
            if cls not in names:
                problems.append(f"{files['jar'].name}: holds no {cls}")
        if JNA_LIBRARY not in names:
            problems.append(f"{files['jar'].name}: holds no {JNA_LIBRARY} (the JNA resource)")
        elif not is_elf_x86_64_shared(z.read(JNA_LIBRARY)[:64]):
            problems.append(f"{files['jar'].name}: {JNA_LIBRARY} is not an x86-64 ELF shared library")
        else:
            lib_size = z.getinfo(JNA_LIBRARY).file_size
        for f in LICENSE_FILES:
            if f"META-INF/{f}" not in names:
                problems.append(f"{files['jar'].name}: holds no META-INF/{f}")
        jar_size = files["jar"].stat().st_size
    with zipfile.ZipFile(files["sources"]) as z:
        sources = z.namelist()
        for src in ("wxkf/wxkf.kt", "wxkf/protocol/wxkf_protocol.kt"):
            if src not in sources:
                problems.append(f"{files['sources'].name}: holds no {src}")
        if any(n.endswith(".so") for n in sources):
            problems.append(f"{files['sources'].name}: holds the native library")
    if problems:
        return problems
    print(f"{JVM_COORDINATES}:{version}: pom (Central's fields; {', '.join(d.split(':')[1] + ' ' + deps[d][0] for d in JVM_DEPENDENCIES)}), "
          f"jar {jar_size // 1024} KiB ({len(classes['wxkf'])} classes in wxkf, {len(classes['wxkf/protocol'])} in "
          f"wxkf.protocol, {JNA_LIBRARY} {lib_size // 1024} KiB), sources and javadoc jars")
    return []


# --- npm -----------------------------------------------------------------------------------

# Relative module references in JS and .d.ts files: static and dynamic imports, re-exports, and
# files loaded next to the module (`new URL("./x.wasm", import.meta.url)`).
JS_REFERENCE = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|new\s+URL\(\s*)["'](\.{1,2}/[^"']+)["']""")
# Files npm always packs and a package is expected to carry.
NPM_ALWAYS = ("package.json", "README.md", "LICENSE")


def export_targets(value):
    """Every file an `exports` value points to (conditions nested to any depth)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in export_targets(v)]
    if isinstance(value, list):
        return [t for v in value for t in export_targets(v)]
    return []


def check_npm(tarball):
    problems = []
    ws = workspace()
    with tarfile.open(tarball) as t:
        files = {m.name.split("/", 1)[1]: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
    pkg = json.loads(files["package.json"])
    where = "bindings-wasm/pkg/package.json"

    for field, expected in (("name", "wxkf"), ("version", ws["version"]), ("license", ws["license"]),
                            ("type", "module")):
        if pkg.get(field) != expected:
            problems.append(f"{where}: {field} is {pkg.get(field)!r}, expected {expected!r}")
    for field in ("description", "keywords", "repository", "homepage", "bugs", "engines", "exports", "files"):
        if not pkg.get(field):
            problems.append(f"{where}: no {field}")
    root = (pkg.get("exports") or {}).get(".")
    if not isinstance(root, dict):
        problems.append(f"{where}: exports['.'] is not a map of conditions")
    else:
        # TypeScript takes the first condition that matches: `types` must come first.
        if "types" not in root:
            problems.append(f"{where}: exports['.'] has no \"types\" condition: TypeScript (node16, bundler) finds "
                            f"no types for `import \"wxkf\"`")
        elif next(iter(root)) != "types":
            problems.append(f"{where}: exports['.']: \"types\" must be the first condition")
        if "default" not in root:
            problems.append(f"{where}: exports['.'] has no \"default\" condition (bundlers, other runtimes)")

    # What the entry points reach, following relative imports.
    entries = export_targets(pkg.get("exports")) + [pkg[f] for f in ("types", "main", "module") if pkg.get(f)]
    needed, todo, refs = set(), [e.removeprefix("./") for e in entries], {}
    while todo:
        f = posixpath.normpath(todo.pop())
        if f in needed:
            continue
        needed.add(f)
        if f in files and f.endswith((".js", ".mjs", ".d.ts", ".d.mts")):
            for ref in JS_REFERENCE.findall(files[f].decode("utf-8", "replace")):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(f), ref))
                refs.setdefault(target, f)
                todo.append(target)
    for f in sorted(needed - set(files)):
        problems.append(f"the tarball has no {f}, which {refs.get(f, 'package.json')} needs (package.json \"files\")")
    extra = sorted(set(files) - needed - set(NPM_ALWAYS))
    for f in extra:
        problems.append(f"the tarball holds {f}, which no entry point reaches (package.json \"files\")")
    for f in NPM_ALWAYS:
        if f not in files:
            problems.append(f"the tarball has no {f}")
    if problems:
        return problems
    size = Path(tarball).stat().st_size
    unpacked = sum(len(b) for b in files.values())
    biggest = max(files, key=lambda f: len(files[f]))
    print(f"{Path(tarball).name}: {size:,} B packed, {unpacked:,} B unpacked, {len(files)} files, each reached from "
          f"one of its {len(set(entries))} entry files (largest: {biggest}, {len(files[biggest]):,} B)")
    return []


def main():
    commands = {"metadata": lambda a: check_metadata(a), "versions": lambda a: check_versions(),
                "python": lambda a: check_python(*a), "maven": lambda a: check_maven(*a),
                "npm": lambda a: check_npm(*a)}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    problems = commands[sys.argv[1]](sys.argv[2:])
    for p in problems:
        print(p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
