# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Google's error envelope, so clients parse emulator failures as they parse real ones.

google-api-python-client, google-auth and google.cloud's ``GcpSession`` all read
``error.code``, ``error.message`` and ``error.errors[].reason``; newer clients also read
``error.status`` and ``error.details``.  Every failure the emulator reports is an
:class:`ApiError` rendered by :meth:`ApiError.body`.
"""

from __future__ import annotations

from typing import Any, Optional

# HTTP code -> (canonical status, legacy ``reason``) as Google's front end sends them.
_DEFAULTS: dict[int, tuple[str, str]] = {
    400: ("INVALID_ARGUMENT", "invalid"),
    401: ("UNAUTHENTICATED", "required"),
    403: ("PERMISSION_DENIED", "forbidden"),
    404: ("NOT_FOUND", "notFound"),
    409: ("ALREADY_EXISTS", "alreadyExists"),
    412: ("FAILED_PRECONDITION", "conditionNotMet"),
    500: ("INTERNAL", "backendError"),
    501: ("UNIMPLEMENTED", "notImplemented"),
}


class ApiError(Exception):
    """A failure answered to the client as ``{"error": {...}}`` with an HTTP status."""

    def __init__(
        self,
        code: int,
        message: str,
        status: Optional[str] = None,
        reason: Optional[str] = None,
        *,
        field: Optional[str] = None,
        location: Optional[str] = None,
        location_type: Optional[str] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        default_status, default_reason = _DEFAULTS.get(code, ("UNKNOWN", "unknown"))
        self.code = code
        self.message = message
        self.status = status or default_status
        self.reason = reason or default_reason
        self.field = field
        self.location = location
        self.location_type = location_type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON document Google returns for this error."""
        item: dict[str, Any] = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.location:
            item["location"] = self.location
            item["locationType"] = self.location_type or "parameter"
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errors": [item],
            "status": self.status,
        }
        if self.code == 400 and self.field is not None:
            violation = {"description": self.message}
            if self.field:
                violation["field"] = self.field
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}]
        return {"error": error}


def not_found(path: str) -> ApiError:
    """404 for a resource path that holds nothing (wording of Compute Engine)."""
    return ApiError(404, f"The resource '{path}' was not found")


def already_exists(path: str) -> ApiError:
    """409 for a create whose target is taken (wording of Compute Engine)."""
    return ApiError(409, f"The resource '{path}' already exists")


def invalid(message: str, field: Optional[str] = None) -> ApiError:
    """400 INVALID_ARGUMENT with a BadRequest field violation."""
    return ApiError(400, message, field=field if field is not None else "")
