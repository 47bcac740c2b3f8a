# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m sandbox.gcp``: see :mod:`sandbox.gcp.server`."""

import sys

from sandbox.gcp.server import main

sys.exit(main())
