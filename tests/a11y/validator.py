"""The Nu HTML Checker (vnu.jar), installed from npm into a cache folder outside the repository.

``vnu-jar`` on npm ships the checker's jar itself (its post-install script, which would
download a Java runtime, is not run: the system Java is used). ``VNU_JAR`` points at
another jar if you have one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

VNU_VERSION = "26.9.27"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "network-portal" / "vnu"
JAR = CACHE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


#: htmx's ``hx-*`` attributes are not in the HTML standard (``data-hx-*`` would be); they are
#: the one deliberate extension of the markup, so only these messages are set aside.
IGNORED = re.compile(r"^Attribute “hx-[a-z:-]+” not allowed on element")


class ValidatorUnavailable(RuntimeError):
    pass


def vnu_jar() -> Path:
    """The checker's jar, installing it from npm on first use."""
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    if not shutil.which("java"):
        raise ValidatorUnavailable("java is not installed (apt-get install default-jre-headless)")
    if not JAR.exists():
        npm = shutil.which("npm")
        if not npm:
            raise ValidatorUnavailable("npm is not installed (apt-get install npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 (fixed arguments)
            [
                npm,
                "install",
                "--prefix",
                str(CACHE),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                f"vnu-jar@{VNU_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return JAR


def validate(files: list[Path]) -> list[dict]:
    """Errors (not warnings) of the checker for the given HTML files."""
    if not files:
        return []
    java = shutil.which("java") or "java"
    result = subprocess.run(  # noqa: S603 (fixed arguments, our own files)
        [java, "-jar", str(vnu_jar()), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    return [
        m
        for m in report.get("messages", [])
        if m.get("type") in ("error", "non-document-error") and not IGNORED.match(m["message"])
    ]
