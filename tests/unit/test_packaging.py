"""The wheel (what the Docker image installs) carries every file the services read at run time: migrations,
the dashboard's and the member app's static files, Kafka's pom; a `static/` tree of any depth."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

CODE = ("shared", "services", "infra")


def _run_time_files(tree: Path) -> set[str]:
    """Every file under the packages that is not Python source or a cache, as a wheel names it."""
    return {path.relative_to(tree).as_posix()
            for top in CODE for path in (tree / top).rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc")
            and not {"__pycache__", "node_modules"} & set(path.relative_to(tree).parts)}


def test_the_wheel_has_every_static_sql_and_build_file(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    for top in CODE:
        shutil.copytree(ROOT / top, tree / top, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    # a future page deep in a static tree
    deep = tree / "services" / "members" / "entrypoints" / "static" / "app" / "icons" / "sign-in.svg"
    deep.parent.mkdir(parents=True)
    deep.write_text("<svg/>")

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(tree)],
                   check=True, capture_output=True, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("refnet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    expected = _run_time_files(tree)
    static = "services/referrals/entrypoints/static"
    assert {f"{static}/dashboard.html", f"{static}/dashboard.js", f"{static}/dashboard.css",
            "shared/sql/001_event_store.sql",
            "services/members/sql/001_members.sql", "infra/kafka/pom.xml",
            "services/members/entrypoints/static/app/icons/sign-in.svg"} <= expected
    assert expected - names == set(), "files the services read are missing from the wheel"
