"""Reading a Metadata API deployment: a zip in Metadata API format → components.

``package.xml`` names the members by type; ``objects/<Object>.object`` files hold a
``CustomObject`` whose ``fields`` are the ``CustomField`` components (Metadata API
Developer Guide, "CustomObject", "Deploying and Retrieving Metadata with the Zip
File"). Components of other types, child types of an object and files package.xml
does not name become components that carry the reason they cannot deploy here. The
XML is parsed with the standard library's ElementTree (expat refuses entity-expansion
bombs and ElementTree resolves no external entities); zips are capped at
:data:`MAX_UNZIPPED` bytes unpacked.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

from attrs import define, field

MAX_UNZIPPED = 50 * 1024 * 1024
SUPPORTED = ("CustomObject", "CustomField")

#: Child elements of a CustomObject file that are metadata types of their own.
CHILD_TYPES: dict[str, str] = {
    "listViews": "ListView", "validationRules": "ValidationRule", "recordTypes": "RecordType",
    "webLinks": "WebLink", "compactLayouts": "CompactLayout", "fieldSets": "FieldSet",
    "businessProcesses": "BusinessProcess", "sharingReasons": "SharingReason",
    "indexes": "Index",
}
_BOOLEANS = {"true": True, "false": False}
_INTEGERS = {"length", "precision", "scale", "visibleLines", "startingNumber"}
_LISTS = {"fields", "value", "members", "types"} | set(CHILD_TYPES)


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def to_value(element: ET.Element) -> Any:
    """An element as plain data: text (``true``/``false`` as booleans, sizes as ints)
    or a dict of its children (repeated tags, and the ones that may repeat, as lists)."""
    children = list(element)
    if not children:
        text = (element.text or "").strip()
        if text in _BOOLEANS:
            return _BOOLEANS[text]
        if local_name(element.tag) in _INTEGERS and text.lstrip("-").isdigit():
            return int(text)
        return text
    out: dict[str, Any] = {}
    for child in children:
        key = local_name(child.tag)
        value = to_value(child)
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = [value] if key in _LISTS else value
    return out


@define
class Component:
    """One component of the package: what to create, or why it cannot be."""

    component_type: str
    full_name: str
    file_name: str
    metadata: dict[str, Any] = field(factory=dict)
    problem: str | None = None


class PackageError(Exception):
    def __init__(self, file_name: str, problem: str) -> None:
        super().__init__(problem)
        self.file_name = file_name
        self.problem = problem


def read_package(raw: bytes, allow_missing: bool = False) -> tuple[list[Component], str]:
    """The components of a zip in Metadata API format, and its package.xml's path.
    ``allow_missing`` (DeployOptions.allowMissingFiles): members of package.xml absent
    from the zip are not failures."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise PackageError("package.xml", "The deployment is not a zip file") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise PackageError("package.xml", f"The zip unpacks to more than {MAX_UNZIPPED} bytes")
        packages = sorted((i.filename for i in infos if i.filename.rsplit("/", 1)[-1] == "package.xml"),
                          key=lambda n: n.count("/"))
        if not packages:
            raise PackageError("package.xml", "No package.xml found")
        package_file = packages[0]
        base = package_file[: -len("package.xml")]
        files = {i.filename[len(base):]: i.filename for i in infos if i.filename.startswith(base)}
        try:
            manifest = to_value(ET.fromstring(archive.read(package_file)))
        except ET.ParseError as exc:
            raise PackageError(package_file, f"package.xml is not well-formed XML: {exc}") from None
        wanted: dict[str, list[str]] = {}
        for t in (manifest.get("types") or []) if isinstance(manifest, dict) else []:
            if isinstance(t, dict) and t.get("name"):
                wanted.setdefault(str(t["name"]), []).extend(str(m) for m in t.get("members") or [])
        components: list[Component] = []
        found: set[tuple[str, str]] = set()
        for relative, path in sorted(files.items()):
            if relative.startswith("objects/") and relative.endswith(".object"):
                components.extend(_object_components(archive.read(path), relative[8:-7], path, wanted, found))
        for type_name, members in wanted.items():
            for member in members:
                if (type_name, member) in found or member == "*":
                    continue
                if type_name in SUPPORTED:
                    if allow_missing:
                        continue
                    problem = (f"An object '{member}' of type {type_name} was named in package.xml, "
                               "but was not found in zipped directory")
                else:
                    problem = (f"The local org does not model {type_name}: only CustomObject and "
                               "CustomField deploy here")
                components.append(Component(type_name, member, _file_of(type_name, member, files, base),
                                            problem=problem))
        # Files of other folders that package.xml does not name: one failure per
        # component (a file and its -meta.xml companion are one component).
        claimed = {(c.file_name.rsplit("/", 2)[-2] if "/" in c.file_name else "",
                    c.full_name.split(".", 1)[0]) for c in components}
        for relative, path in sorted(files.items()):
            folder = relative.split("/", 1)[0]
            stem = relative.rsplit("/", 1)[-1].split(".", 1)[0]
            if "/" in relative and folder != "objects" and (folder, stem) not in claimed:
                claimed.add((folder, stem))
                components.append(Component(folder, stem, path,
                                            problem=f"The local org does not model the metadata in "
                                                    f"'{folder}/': only CustomObject and CustomField "
                                                    "deploy here"))
    return components, package_file


def _file_of(type_name: str, member: str, files: dict[str, str], base: str) -> str:
    stem = member.split(".", 1)[0]
    for relative, path in files.items():
        if relative.rsplit("/", 1)[-1].split(".", 1)[0] == stem:
            return path
    return base + "package.xml"


def _object_components(text: bytes, name: str, path: str, wanted: dict[str, list[str]],
                       found: set[tuple[str, str]]) -> list[Component]:
    try:
        doc = to_value(ET.fromstring(text))
    except ET.ParseError as exc:
        return [Component("CustomObject", name, path, problem=f"Not well-formed XML: {exc}")]
    doc = doc if isinstance(doc, dict) else {}
    whole = name in wanted.get("CustomObject", []) or "*" in wanted.get("CustomObject", [])
    out: list[Component] = []
    if whole:
        found.add(("CustomObject", name))
        meta = {k: v for k, v in doc.items() if k not in _LISTS}
        out.append(Component("CustomObject", name, path, meta))
    field_members = set(wanted.get("CustomField", []))
    for f in doc.get("fields") or []:
        if not isinstance(f, dict) or not f.get("fullName"):
            continue
        full = f"{name}.{f['fullName']}"
        if whole or full in field_members or "*" in field_members:
            found.add(("CustomField", full))
            out.append(Component("CustomField", full, path, {k: v for k, v in f.items() if k != "fullName"}))
    for key, type_name in CHILD_TYPES.items():
        for child in doc.get(key) or []:
            child_name = child.get("fullName", key) if isinstance(child, dict) else key
            full = f"{name}.{child_name}"
            found.add((type_name, full))
            out.append(Component(type_name, full, path,
                                 problem=f"The local org does not model {type_name}: only "
                                         "CustomObject and CustomField deploy here"))
    return out
