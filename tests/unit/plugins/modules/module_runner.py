# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's main() in-process, the way Ansible would, for the AWS and GCP module tests."""

import contextlib
import io
import json

import pytest

from ansible.module_utils.testing import patch_module_args


def run_module(module, args, check_mode=False, diff=False):
    """Run module.main() with args; return (exit code, parsed JSON result)."""
    module_args = dict(args)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    if diff:
        module_args["_ansible_diff"] = True
    stdout = io.StringIO()
    with patch_module_args(module_args), contextlib.redirect_stdout(stdout):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(stdout.getvalue())
