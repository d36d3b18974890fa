"""The README's fenced code blocks, and a folder where its commands run as written.

The README's commands name ``image.nii.gz``, ``mask.nii.gz``, ``configs/...`` and a manifest whose cases
are ``p001/image.nii.gz`` ...: :func:`workspace` lays out those paths as links to the IBSI CT phantom of
``tests/data`` and to the repository's ``configs``, so the commands run unchanged.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CT = ROOT / "tests" / "data" / "ibsi1" / "ct_phantom" / "nifti"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str) -> list[str]:
    """The README's fenced blocks of ``language`` (``python``, ``bash``, ``csv``), in order."""
    return [body for lang, body in FENCE.findall(README.read_text(encoding="utf-8")) if lang == language]


def commands(program: str) -> list[list[str]]:
    """The README's shell commands starting with ``program`` (e.g. ``radcore extract``), as argument lists
    (comments dropped, ``\\`` continuations joined)."""
    out = []
    for body in blocks("bash"):
        for line in body.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words[: len(program.split())] == program.split():
                    out.append(words)
    return out


def workspace(folder: Path) -> Path:
    """``folder`` holding what the README's commands name: the phantom as ``image.nii.gz`` and
    ``mask.nii.gz``, ``configs/``, and the README's manifest as ``cohort.csv`` with its cases' files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "image.nii.gz").symlink_to(CT / "image" / "phantom.nii.gz")
    (folder / "mask.nii.gz").symlink_to(CT / "mask" / "mask.nii.gz")
    (folder / "configs").symlink_to(ROOT / "configs")
    (manifest,) = blocks("csv")
    (folder / "cohort.csv").write_text(manifest, encoding="utf-8")
    for line in manifest.splitlines()[1:]:
        _, image, mask = line.split(",")[:3]
        for name, target in ((image, CT / "image" / "phantom.nii.gz"), (mask, CT / "mask" / "mask.nii.gz")):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).symlink_to(target)
    return folder


def run_python(block: str, folder: Path, monkeypatch) -> dict:
    """Run a README Python block in ``folder`` (its working directory); return its namespace."""
    monkeypatch.chdir(folder)
    namespace: dict = {"__name__": "readme"}
    exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own example
    return namespace
