# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""In-memory resources, keyed by namespace, collection path and resource id.

A resource's path is its collection path plus its id (``projects/p/global/networks`` +
``net-1``); keeping the two apart lets ids contain slashes (storage object names) and
makes ``list`` a dictionary read.  Namespaces separate APIs (``compute.v1``) unless
apis.yml makes versions share one.  State lives only as long as the process: the
sandbox is rebuilt from playbooks, never restored.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Iterator, Optional

Resource = dict[str, Any]


def split_path(path: str) -> tuple[str, str]:
    """``a/b/c/d`` -> (``a/b/c``, ``d``)."""
    if "/" not in path:
        return "", path
    collection, ident = path.rsplit("/", 1)
    return collection, ident


class Store:
    """Thread-safe dictionary of resources and IAM policies; values are copied in and out."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._collections: dict[str, dict[str, dict[str, Resource]]] = {}
        self._policies: dict[tuple[str, str], Resource] = {}
        self._media: dict[tuple[str, str], bytes] = {}

    def get(self, namespace: str, collection: str, ident: str) -> Optional[Resource]:
        with self.lock:
            item = self._collections.get(namespace, {}).get(collection, {}).get(ident)
            return copy.deepcopy(item) if item is not None else None

    def exists(self, namespace: str, collection: str, ident: str) -> bool:
        with self.lock:
            return ident in self._collections.get(namespace, {}).get(collection, {})

    def put(self, namespace: str, collection: str, ident: str, resource: Resource) -> None:
        with self.lock:
            self._collections.setdefault(namespace, {}).setdefault(collection, {})[ident] = copy.deepcopy(resource)

    def delete(self, namespace: str, collection: str, ident: str) -> bool:
        with self.lock:
            items = self._collections.get(namespace, {}).get(collection, {})
            found = items.pop(ident, None) is not None
            self._policies.pop((namespace, f"{collection}/{ident}"), None)
            self._media.pop((namespace, f"{collection}/{ident}"), None)
            return found

    def list(self, namespace: str, collection: str) -> list[tuple[str, Resource]]:
        """Members of one collection, sorted by id so page tokens stay stable."""
        with self.lock:
            items = self._collections.get(namespace, {}).get(collection, {})
            return [(k, copy.deepcopy(items[k])) for k in sorted(items)]

    def collections(self, namespace: str) -> Iterator[tuple[str, list[tuple[str, Resource]]]]:
        """Every non-empty collection of a namespace (aggregated lists, reference checks)."""
        with self.lock:
            names = sorted(c for c, items in self._collections.get(namespace, {}).items() if items)
        for name in names:
            yield name, self.list(namespace, name)

    def get_policy(self, namespace: str, path: str) -> Optional[Resource]:
        with self.lock:
            policy = self._policies.get((namespace, path))
            return copy.deepcopy(policy) if policy is not None else None

    def set_policy(self, namespace: str, path: str, policy: Resource) -> None:
        with self.lock:
            self._policies[(namespace, path)] = copy.deepcopy(policy)

    def get_media(self, namespace: str, path: str) -> Optional[bytes]:
        """Content of an uploaded object (Cloud Storage), kept apart from its metadata."""
        with self.lock:
            return self._media.get((namespace, path))

    def set_media(self, namespace: str, path: str, data: bytes) -> None:
        with self.lock:
            self._media[(namespace, path)] = bytes(data)

    def clear(self) -> None:
        with self.lock:
            self._collections.clear()
            self._policies.clear()
            self._media.clear()
