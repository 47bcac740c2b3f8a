# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the packaging tests: the execution environment's build context, rendered once."""
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ee_context(tmp_path_factory):
    """`ansible-builder create` of execution-environment.yml, offline. It copies the collection
    artifact, so `ansible-galaxy collection build` into .cache/build must have run (./dev build)."""
    assert sorted((ROOT / ".cache/build").glob("ecommerce-multicloud-*.tar.gz")), "run ./dev build first"
    context = tmp_path_factory.mktemp("ee") / "context"
    subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "ansible-builder"), "create", "--file", str(ROOT / "execution-environment.yml"),
         "--context", str(context), "--output-filename", "Containerfile"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return context
