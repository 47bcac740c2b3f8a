# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make ``ansible_collections.ecommerce.multicloud`` importable for plain ``pytest`` runs.

The checkout does not live under an ``ansible_collections/<namespace>/<name>`` path, so a
temporary ``<tmp>/ansible_collections/ecommerce/multicloud`` symlink to the checkout is created
and ``<tmp>`` is put on ``sys.path``. ``ansible_collections`` is a namespace package, so the
collections installed in the virtualenv (amazon.aws, ...) stay importable next to it.
Nothing is done when the collection is already importable (for example under ansible-test).
"""

import importlib.util
import os
import shutil
import sys
import tempfile

COLLECTION_NAMESPACE = "ecommerce"
COLLECTION_NAME = "multicloud"
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_tmp_root = None


def _collection_importable():
    try:
        return importlib.util.find_spec(f"ansible_collections.{COLLECTION_NAMESPACE}.{COLLECTION_NAME}") is not None
    except ImportError:
        return False


def _install_collection_path():
    global _tmp_root
    if _tmp_root is not None or _collection_importable():
        return
    _tmp_root = tempfile.mkdtemp(prefix="ansible-collections-")
    namespace_dir = os.path.join(_tmp_root, "ansible_collections", COLLECTION_NAMESPACE)
    os.makedirs(namespace_dir)
    os.symlink(COLLECTION_ROOT, os.path.join(namespace_dir, COLLECTION_NAME))
    sys.path.insert(0, _tmp_root)
    importlib.invalidate_caches()


def pytest_sessionstart(session):
    _install_collection_path()


def pytest_unconfigure(config):
    global _tmp_root
    if _tmp_root is not None:
        if _tmp_root in sys.path:
            sys.path.remove(_tmp_root)
        shutil.rmtree(_tmp_root, ignore_errors=True)
        _tmp_root = None


# Also run at import time: when pytest is started above tests/unit this conftest is only
# loaded during collection, after pytest_sessionstart has already been called.
_install_collection_path()
