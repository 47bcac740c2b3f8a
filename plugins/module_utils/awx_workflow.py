# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AWX orchestration data: the offline check of AWX objects and workflow graphs, and the
generator that turns the collection's layer list into job templates and the platform workflow.

Shared by the ``awx_workflow_errors`` / ``awx_layer_workflow`` filters (role preflight and the
playbooks' mapping) and by ``scripts/awx_simulate.py``, so that what is checked, what is sent
to AWX and what is simulated are the same data. Standard library only.

The data shapes are the role ``awx_platform``'s variables (see its argument specs). A workflow
node is a dict: ``identifier``; ``type`` (``job``, ``approval`` or ``notify``); ``job_template``
(job and notify nodes); ``approval`` (approval nodes); ``success``, ``failure``, ``always``
(lists of identifiers); ``all_parents_must_converge``; optional ``limit`` and ``extra_data``.
A ``notify`` node runs a job template that reports the failure and then fails on purpose: AWX
has no notification node, and a failure that is handled would leave the workflow "successful".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import posixpath

EDGES = ("success", "failure", "always")
NODE_TYPES = ("job", "approval", "notify")
CLOUDS = ("aws", "gcp")

# Credential types AWX ships (referenced by name, never declared in the data).
BUILTIN_CREDENTIAL_TYPES = frozenset((
    "Amazon Web Services", "Google Compute Engine", "Vault", "Machine", "Source Control",
    "Microsoft Azure Resource Manager", "Container Registry", "Red Hat Ansible Automation Platform",
    "GitHub Personal Access Token", "GitLab Personal Access Token", "Network", "OpenStack",
))


def _names(items):
    return [item.get("name") for item in items or [] if isinstance(item, dict)]


def _listed(value):
    """A list-valued field; None and a missing key are the empty list."""
    return list(value) if isinstance(value, (list, tuple)) else []


def _bad_path(path):
    return not isinstance(path, str) or not path or posixpath.isabs(path) or ".." in path.split("/")


class _Declared:
    """What the data declares, to check references against."""

    def __init__(self, objects, project_root):
        self.project_root = project_root
        self.credential_types = set(_names(objects.get("credential_types"))) | BUILTIN_CREDENTIAL_TYPES
        self.credentials = set(_names(objects.get("credentials")))
        self.inventories = set(_names(objects.get("inventories")))
        self.notification_templates = set(_names(objects.get("notification_templates")))
        self.job_templates = dict((jt.get("name"), jt) for jt in objects.get("job_templates") or [] if isinstance(jt, dict))

    def project_file_missing(self, path):
        """Why a project-relative path is unusable, or None. AWX resolves it inside the project checkout."""
        if _bad_path(path):
            return "{0!r} is not a path relative to the project".format(path)
        if self.project_root is not None and not os.path.isfile(os.path.join(self.project_root, path)):
            return "{0} does not exist in the project".format(path)
        return None


def _job_template_errors(jt, declared):
    """Problems of one job template, without context (the caller prefixes where it is used)."""
    errors = []
    missing = declared.project_file_missing(jt.get("playbook"))
    if missing:
        errors.append("playbook " + missing)
    if jt.get("inventory") is None:
        errors.append("has no inventory")
    elif jt.get("inventory") not in declared.inventories:
        errors.append("inventory {0} is not declared".format(jt.get("inventory")))
    for name in _listed(jt.get("credentials")):
        if name not in declared.credentials:
            errors.append("credential {0} is not declared".format(name))
    for when in ("started", "success", "error"):
        for name in _listed(jt.get("notification_templates_" + when)):
            if name not in declared.notification_templates:
                errors.append("notification template {0} (on {1}) is not declared".format(name, when))
    return errors


def _object_errors(objects, declared):
    """Declared objects that reference something undeclared or missing."""
    errors = []
    for kind in ("credential_types", "credentials", "inventories", "notification_templates", "job_templates", "workflows"):
        seen = set()
        for item in objects.get(kind) or []:
            name = item.get("name") if isinstance(item, dict) else None
            if not name:
                errors.append("{0}: an entry has no name: {1!r}".format(kind, item))
            elif name in seen:
                errors.append("{0}: {1} is declared twice".format(kind, name))
            seen.add(name)
    for cred in objects.get("credentials") or []:
        if cred.get("credential_type") not in declared.credential_types:
            errors.append("credential {0}: credential type {1} is neither declared nor built into AWX".format(cred.get("name"), cred.get("credential_type")))
    for inventory in objects.get("inventories") or []:
        for source in _listed(inventory.get("sources")):
            where = "inventory {0}: source {1}".format(inventory.get("name"), source.get("name"))
            if source.get("credential") and source["credential"] not in declared.credentials:
                errors.append("{0}: credential {1} is not declared".format(where, source["credential"]))
            missing = declared.project_file_missing(source.get("source_path"))
            if missing:
                errors.append("{0}: source_path {1}".format(where, missing))
    used = set()
    for workflow in objects.get("workflows") or []:
        used.update(node.get("job_template") for node in _listed(workflow.get("nodes")) if isinstance(node, dict))
    for name, jt in declared.job_templates.items():
        if name not in used:  # job templates in a workflow are reported per node, with the workflow's name
            errors.extend("job template {0}: {1}".format(name, e) for e in _job_template_errors(jt, declared))
    return errors


def _cycles(ids, children):
    """Each cycle once, as a list of identifiers (iterative DFS with colours)."""
    colour = dict.fromkeys(ids, 0)  # 0 new, 1 on the stack, 2 done
    found = []
    for start in ids:
        if colour[start]:
            continue
        stack = [(start, iter(children[start]))]
        path = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                path.pop()
                colour[node] = 2
            elif colour[child] == 1:
                found.append(path[path.index(child):] + [child])
            elif colour[child] == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(children[child])))
    return found


def _survey_errors(prefix, survey):
    errors = []
    seen = set()
    for question in _listed((survey or {}).get("spec")):
        variable = question.get("variable")
        if variable in seen:
            errors.append("{0}: survey asks for {1} twice".format(prefix, variable))
        seen.add(variable)
        choices = _listed(question.get("choices"))
        default = question.get("default")
        if question.get("type") in ("multiplechoice", "multiselect") and default not in (None, ""):
            defaults = default.split("\n") if question["type"] == "multiselect" else [default]
            for value in defaults:
                if value not in choices:
                    errors.append("{0}: survey question {1}: default {2} is not one of {3}".format(prefix, variable, value, choices))
    return errors


def workflow_errors(workflow, declared):
    """Problems of one workflow's graph and references; each message names the workflow and the node."""
    name = workflow.get("name")
    wf = "workflow {0}".format(name)
    errors = []
    for when in ("started", "success", "error", "approvals"):
        for nt in _listed(workflow.get("notification_templates_" + when)):
            if nt not in declared.notification_templates:
                errors.append("{0}: notification template {1} (on {2}) is not declared".format(wf, nt, when))
    if workflow.get("inventory") and workflow["inventory"] not in declared.inventories:
        errors.append("{0}: inventory {1} is not declared".format(wf, workflow["inventory"]))
    errors.extend(_survey_errors(wf, workflow.get("survey")))

    nodes = {}
    for index, node in enumerate(_listed(workflow.get("nodes"))):
        ident = node.get("identifier") if isinstance(node, dict) else None
        if not ident:
            errors.append("{0}: node #{1} has no identifier".format(wf, index))
        elif ident in nodes:
            errors.append("{0}: node {1}: duplicate identifier".format(wf, ident))
        else:
            nodes[ident] = node
    if not nodes:
        return errors + ["{0}: has no nodes".format(wf)]

    children = dict((ident, []) for ident in nodes)
    parents = dict((ident, []) for ident in nodes)
    for ident, node in nodes.items():
        where = "{0}: node {1}".format(wf, ident)
        kind = node.get("type", "job")
        if kind not in NODE_TYPES:
            errors.append("{0}: type {1} is not one of {2}".format(where, kind, ", ".join(NODE_TYPES)))
        elif kind == "approval":
            if node.get("job_template"):
                errors.append("{0}: an approval node runs no job template (got {1})".format(where, node["job_template"]))
        elif not node.get("job_template"):
            errors.append("{0}: a {1} node needs a job_template".format(where, kind))
        elif node["job_template"] not in declared.job_templates:
            errors.append("{0}: job template {1} is not declared".format(where, node["job_template"]))
        else:
            errors.extend("{0}: job template {1}: {2}".format(where, node["job_template"], e)
                          for e in _job_template_errors(declared.job_templates[node["job_template"]], declared))
        if node.get("inventory") and node["inventory"] not in declared.inventories:
            errors.append("{0}: inventory {1} is not declared".format(where, node["inventory"]))
        for cred in _listed(node.get("credentials")):
            if cred not in declared.credentials:
                errors.append("{0}: credential {1} is not declared".format(where, cred))
        for edge in EDGES:
            for child in _listed(node.get(edge)):
                if child not in nodes:
                    errors.append("{0}: {1} link to unknown node {2}".format(where, edge, child))
                elif child == ident:
                    errors.append("{0}: {1} link to itself".format(where, edge))
                else:
                    children[ident].append(child)
                    parents[child].append(ident)

    for cycle in _cycles(list(nodes), children):
        errors.append("{0}: node {1}: cycle {2}".format(wf, cycle[0], " -> ".join(cycle)))

    roots = [ident for ident in nodes if not parents[ident]]
    reached, todo = set(roots), list(roots)
    while todo:
        for child in children[todo.pop()]:
            if child not in reached:
                reached.add(child)
                todo.append(child)
    for ident in nodes:
        if ident not in reached:
            errors.append("{0}: node {1}: unreachable from a root node (roots: {2})".format(wf, ident, ", ".join(roots) or "none"))

    for ident, node in nodes.items():
        where = "{0}: node {1}".format(wf, ident)
        handled = _listed(node.get("failure")) or _listed(node.get("always"))
        if node.get("type", "job") == "notify":
            # It fails on purpose to stop the workflow; anything after it would never be a stop.
            if children[ident]:
                errors.append("{0}: a notify node stops the workflow and cannot link to {1}".format(where, ", ".join(children[ident])))
        elif not handled:
            errors.append("{0}: can fail and has no failure or always path (AWX would fail the whole workflow without notifying)".format(where))
        if node.get("all_parents_must_converge") and len(set(parents[ident])) < 2:
            errors.append("{0}: all_parents_must_converge with {1} parent(s) ({2}); convergence needs two or more".format(
                where, len(set(parents[ident])), ", ".join(parents[ident]) or "a root"))
    return errors


def awx_workflow_errors(objects, project_root=None):
    """Every problem of the AWX objects (organization, ..., workflows) as readable messages."""
    declared = _Declared(objects, project_root)
    errors = _object_errors(objects, declared)
    for workflow in objects.get("workflows") or []:
        errors.extend(workflow_errors(workflow, declared))
    return list(dict.fromkeys(errors))


# ---------------------------------------------------------------------------
# The platform workflow from the layer list
# ---------------------------------------------------------------------------


def _survey(platform):
    regions = [r for cloud in CLOUDS for r in (platform.get("regions") or {}).get(cloud) or []]
    tenants = ["all"] + list(platform.get("tenants") or [])
    return {
        "name": "{0} {1}".format(platform.get("name"), platform.get("environment")),
        "description": "Which environment, tenant and regions this run is for.",
        "spec": [
            {"question_name": "Environment", "question_description": "Type-checked against the inventory: only this environment.",
             "variable": "platform_environment", "type": "multiplechoice", "choices": [platform.get("environment")],
             "default": platform.get("environment"), "required": True},
            {"question_name": "Tenant", "question_description": "One tenant, or all of them.",
             "variable": "platform_tenant", "type": "multiplechoice", "choices": tenants, "default": "all", "required": True},
            {"question_name": "Regions", "question_description": "Regions of the platform model this run is for.",
             "variable": "platform_regions", "type": "multiselect", "choices": regions, "default": "\n".join(regions), "required": True},
        ],
    }


def layer_workflow(awx, layers, platform):
    """Job templates and the platform workflow for one environment, from the shared layer list.

    Each layer ``{name, playbook, clouds, after, converge}`` gives one job template and one node
    per cloud (``<layer>_<cloud>``, ``limit: <cloud>_regions``, so AWX runs the clouds' branches in
    parallel), or a single ``<layer>`` node when ``clouds`` is empty. A node follows, on success,
    the same cloud's node of each layer in ``after`` (or every node of it when ``converge`` is true
    or it has no such cloud); with two or more parents it waits for all of them
    (all_parents_must_converge). Every job node fails over to ``<node>_failed``, a notify node.
    An approval node ``approve_<environment>`` is the single root when ``approval.required``.
    Identifiers depend only on layer and cloud names, so re-applying the same data changes nothing.
    """
    wf = awx.get("platform_workflow") or {}
    prefix = wf.get("prefix") or "{0}-{1}".format(platform.get("name"), platform.get("environment"))
    inventory = wf.get("inventory")
    cloud_credentials = wf.get("cloud_credentials") or {}
    common_credentials = list(wf.get("credentials") or [])
    stop = wf.get("stop") or {}
    stop_name = "{0} stop and notify".format(prefix)
    job_templates = [{
        "name": stop_name,
        "description": "Reports which workflow node failed, then fails so the workflow ends failed; AWX sends the error notifications.",
        "playbook": stop.get("playbook", "playbooks/workflow_stop.yml"),
        "inventory": inventory,
        "credentials": [],
        "ask_variables_on_launch": True,
        "notification_templates_error": list(stop.get("notification_templates") or []),
    }]
    nodes = []
    branches = {}  # layer -> {cloud or None: identifier}

    def add_failure_path(node, what):
        failed = node["identifier"] + "_failed"
        node["failure"] = [failed]
        nodes.append({"identifier": failed, "type": "notify", "job_template": stop_name,
                      "extra_data": {"workflow_failed_node": node["identifier"], "workflow_failed_reason": what}})

    roots_parent = None
    approval = wf.get("approval") or {}
    if approval.get("required"):
        roots_parent = {"identifier": "approve_{0}".format(platform.get("environment")), "type": "approval", "success": [],
                        "approval": {"name": "{0} approve".format(prefix), "timeout": int(approval.get("timeout", 0)),
                                     "description": approval.get("description", "Approve the run against {0}.".format(platform.get("environment")))}}
        nodes.append(roots_parent)
        add_failure_path(roots_parent, "approval denied or timed out")

    for layer in layers:
        if not isinstance(layer, dict) or not layer.get("name") or not layer.get("playbook"):
            raise ValueError("a layer needs a name and a playbook, got {0!r}".format(layer))
        for before in layer.get("after") or []:
            if before not in branches:
                raise ValueError("layer {0}: after {1}, which is not an earlier layer".format(layer["name"], before))
        if any(cloud not in CLOUDS for cloud in layer.get("clouds") or []):
            raise ValueError("layer {0}: clouds {1} must be among {2}".format(layer["name"], layer.get("clouds"), ", ".join(CLOUDS)))
        clouds = list(layer.get("clouds") or []) or [None]
        branches[layer["name"]] = {}
        for cloud in clouds:
            ident = layer["name"] if cloud is None else "{0}_{1}".format(layer["name"], cloud)
            jt = {
                "name": "{0} {1}".format(prefix, layer["name"] if cloud is None else "{0} {1}".format(layer["name"], cloud)),
                "description": "Layer {0}{1}: {2}".format(layer["name"], "" if cloud is None else " on " + cloud.upper(), layer["playbook"]),
                "playbook": layer["playbook"],
                "inventory": inventory,
                "credentials": ([cloud_credentials[cloud]] if cloud in cloud_credentials else [cloud_credentials[c] for c in CLOUDS if c in cloud_credentials])
                + common_credentials,
            }
            if cloud is not None:
                jt["limit"] = "{0}_regions".format(cloud)
            job_templates.append(jt)
            parents = []
            for before in layer.get("after") or []:
                theirs = branches[before]
                if cloud in theirs and not layer.get("converge"):
                    parents.append(theirs[cloud])
                else:
                    parents.extend(theirs.values())
            if not parents and roots_parent is not None:
                parents = [roots_parent["identifier"]]
            node = {"identifier": ident, "type": "job", "job_template": jt["name"], "success": [],
                    "all_parents_must_converge": len(parents) > 1}
            for parent in parents:
                next(n for n in nodes if n["identifier"] == parent)["success"].append(ident)
            nodes.append(node)
            add_failure_path(node, "layer {0}{1} failed".format(layer["name"], "" if cloud is None else " on " + cloud))
            branches[layer["name"]][cloud] = ident
    workflow = {
        "name": wf.get("name") or "{0} platform".format(prefix),
        "description": wf.get("description", "The platform, layer by layer; clouds in parallel."),
        "inventory": inventory,
        "notification_templates_approvals": list(wf.get("notification_templates_approvals") or []),
        "survey": _survey(platform),
        "nodes": nodes,
    }
    return {"job_templates": job_templates, "workflows": [workflow]}
