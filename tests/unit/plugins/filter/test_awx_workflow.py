# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the awx_workflow_errors and awx_layer_workflow filters: bad graphs and bad
references each give a message naming the workflow and node, and every environment's real
workflow (generated from playbooks/vars/awx_layers.yml and its awx.yml) passes."""

from __future__ import annotations

import copy
import pathlib

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.ecommerce.multicloud.plugins.filter.awx_workflow import (
    FilterModule,
    awx_layer_workflow,
    awx_workflow_errors,
)

REPO_ROOT = pathlib.Path(__file__).resolve().parents[4]
ENVIRONMENTS = ("sandbox", "development", "staging", "production")
WF = "workflow demo"


class _Loader(yaml.SafeLoader):
    """group_vars use Ansible's !unsafe for AWX injector templates; read them as plain strings."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def load(path, key):
    return yaml.load((REPO_ROOT / path).read_text(), Loader=_Loader)[key]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "playbooks").mkdir()
    for name in ("layer.yml", "stop.yml"):
        (tmp_path / "playbooks" / name).write_text("---\n")
    (tmp_path / "inventories").mkdir()
    (tmp_path / "inventories" / "hosts.yml").write_text("---\n")
    return tmp_path


def good():
    """A valid workflow: a and b in parallel, c converges on both, every job node fails over to stop."""
    return {
        "credential_types": [{"name": "custom", "kind": "cloud"}],
        "credentials": [{"name": "aws", "credential_type": "Amazon Web Services"}, {"name": "gcp", "credential_type": "custom"}],
        "inventories": [{"name": "inv", "sources": [{"name": "hosts", "source_path": "inventories/hosts.yml", "credential": "aws"}]}],
        "notification_templates": [{"name": "mail", "notification_type": "email"}],
        "job_templates": [
            {"name": "jt layer", "playbook": "playbooks/layer.yml", "inventory": "inv", "credentials": ["aws", "gcp"]},
            {"name": "jt stop", "playbook": "playbooks/stop.yml", "inventory": "inv", "notification_templates_error": ["mail"]},
        ],
        "workflows": [{
            "name": "demo",
            "notification_templates_approvals": ["mail"],
            "nodes": [
                {"identifier": "approve", "type": "approval", "approval": {"name": "ok?"}, "success": ["a", "b"], "failure": ["stop"]},
                {"identifier": "a", "job_template": "jt layer", "success": ["c"], "failure": ["stop"]},
                {"identifier": "b", "job_template": "jt layer", "success": ["c"], "failure": ["stop"]},
                {"identifier": "c", "job_template": "jt layer", "all_parents_must_converge": True, "always": ["stop"]},
                {"identifier": "stop", "type": "notify", "job_template": "jt stop"},
            ],
        }],
    }


def node(objects, ident):
    return next(n for n in objects["workflows"][0]["nodes"] if n["identifier"] == ident)


def test_a_good_workflow_has_no_errors(project):
    assert awx_workflow_errors(good(), project_root=str(project)) == []


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"awx_workflow_errors", "awx_layer_workflow"}


def test_a_value_that_is_not_a_dict_raises():
    with pytest.raises(AnsibleFilterError):
        awx_workflow_errors(["not", "a", "dict"])


def _duplicate(o):
    o["workflows"][0]["nodes"].append({"identifier": "a", "job_template": "jt layer", "failure": ["stop"]})


def _unknown_link(o):
    node(o, "a")["success"].append("d")


def _cycle(o):
    node(o, "c")["success"] = ["a"]


def _unreachable(o):
    # x and y only feed each other: no root leads to them, and z hangs off them.
    o["workflows"][0]["nodes"] += [
        {"identifier": "x", "job_template": "jt layer", "success": ["y"], "failure": ["stop"]},
        {"identifier": "y", "job_template": "jt layer", "success": ["x", "z"], "failure": ["stop"]},
        {"identifier": "z", "job_template": "jt layer", "failure": ["stop"]},
    ]


def _no_failure_path(o):
    node(o, "b")["failure"] = []


def _approval_without_failure_path(o):
    node(o, "approve")["failure"] = []


def _converge_on_one_parent(o):
    node(o, "b")["success"] = []


def _converge_on_a_root(o):
    node(o, "approve")["all_parents_must_converge"] = True


def _missing_playbook(o):
    o["job_templates"][0]["playbook"] = "playbooks/hosts.yml"


def _playbook_outside_the_project(o):
    o["job_templates"][0]["playbook"] = "../site.yml"


def _undeclared_job_template(o):
    node(o, "b")["job_template"] = "jt compute"


def _undeclared_inventory(o):
    o["job_templates"][0]["inventory"] = "other"


def _undeclared_credential(o):
    o["job_templates"][0]["credentials"].append("vault")


def _undeclared_notification(o):
    o["job_templates"][1]["notification_templates_error"] = ["pagerduty"]


def _undeclared_approval_notification(o):
    o["workflows"][0]["notification_templates_approvals"] = ["pagerduty"]


def _notify_with_children(o):
    node(o, "stop")["success"] = ["a"]


def _self_link(o):
    node(o, "c")["failure"] = ["c"]


def _unknown_type(o):
    node(o, "b")["type"] = "inventory_sync"


def _approval_with_job_template(o):
    node(o, "approve")["job_template"] = "jt layer"


def _job_without_job_template(o):
    del node(o, "b")["job_template"]


def _node_without_identifier(o):
    o["workflows"][0]["nodes"].append({"job_template": "jt layer"})


def _missing_inventory_source_file(o):
    o["inventories"][0]["sources"][0]["source_path"] = "inventories/gcp_compute.yml"


def _undeclared_source_credential(o):
    o["inventories"][0]["sources"][0]["credential"] = "azure"


def _undeclared_credential_type(o):
    o["credentials"][1]["credential_type"] = "custom2"


def _job_template_declared_twice(o):
    o["job_templates"].append(copy.deepcopy(o["job_templates"][0]))


def _survey_default_outside_choices(o):
    o["workflows"][0]["survey"] = {"spec": [{"variable": "platform_regions", "type": "multiselect", "choices": ["us-east-1"],
                                             "default": "us-east-1\neu-west-1"}]}


BAD = [
    (_duplicate, WF + ": node a: duplicate identifier"),
    (_unknown_link, WF + ": node a: success link to unknown node d"),
    (_cycle, WF + ": node a: cycle a -> c -> a"),
    (_unreachable, WF + ": node z: unreachable from a root node (roots: approve)"),
    (_no_failure_path, WF + ": node b: can fail and has no failure or always path"),
    (_approval_without_failure_path, WF + ": node approve: can fail and has no failure or always path"),
    (_converge_on_one_parent, WF + ": node c: all_parents_must_converge with 1 parent(s) (a)"),
    (_converge_on_a_root, WF + ": node approve: all_parents_must_converge with 0 parent(s) (a root)"),
    (_missing_playbook, WF + ": node a: job template jt layer: playbook playbooks/hosts.yml does not exist in the project"),
    (_playbook_outside_the_project, WF + ": node a: job template jt layer: playbook '../site.yml' is not a path relative to the project"),
    (_undeclared_job_template, WF + ": node b: job template jt compute is not declared"),
    (_undeclared_inventory, WF + ": node c: job template jt layer: inventory other is not declared"),
    (_undeclared_credential, WF + ": node a: job template jt layer: credential vault is not declared"),
    (_undeclared_notification, WF + ": node stop: job template jt stop: notification template pagerduty (on error) is not declared"),
    (_undeclared_approval_notification, WF + ": notification template pagerduty (on approvals) is not declared"),
    (_notify_with_children, WF + ": node stop: a notify node stops the workflow and cannot link to a"),
    (_self_link, WF + ": node c: failure link to itself"),
    (_unknown_type, WF + ": node b: type inventory_sync is not one of job, approval, notify"),
    (_approval_with_job_template, WF + ": node approve: an approval node runs no job template (got jt layer)"),
    (_job_without_job_template, WF + ": node b: a job node needs a job_template"),
    (_node_without_identifier, WF + ": node #5 has no identifier"),
    (_missing_inventory_source_file, "inventory inv: source hosts: source_path inventories/gcp_compute.yml does not exist in the project"),
    (_undeclared_source_credential, "inventory inv: source hosts: credential azure is not declared"),
    (_undeclared_credential_type, "credential gcp: credential type custom2 is neither declared nor built into AWX"),
    (_job_template_declared_twice, "job_templates: jt layer is declared twice"),
    (_survey_default_outside_choices, WF + ": survey question platform_regions: default eu-west-1 is not one of ['us-east-1']"),
]


@pytest.mark.parametrize("breakage, expected", BAD, ids=[b[0].__name__.lstrip("_") for b in BAD])
def test_a_bad_graph_or_reference_is_named(project, breakage, expected):
    objects = good()
    breakage(objects)
    errors = awx_workflow_errors(objects, project_root=str(project))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_cycle_is_reported_once_and_its_downstream_as_unreachable(project):
    objects = good()
    _unreachable(objects)
    errors = awx_workflow_errors(objects, project_root=str(project))
    assert [e for e in errors if "cycle" in e] == [WF + ": node x: cycle x -> y -> x"]
    assert {e.split(": ")[1] for e in errors if "unreachable" in e} == {"node x", "node y", "node z"}


def test_every_problem_is_reported_not_just_the_first(project):
    objects = good()
    _no_failure_path(objects)
    _missing_playbook(objects)
    _unknown_link(objects)
    assert len(awx_workflow_errors(objects, project_root=str(project))) >= 3


# ---------------------------------------------------------------------------
# The platform's real workflows
# ---------------------------------------------------------------------------


def real(env):
    awx = load("inventories/{0}/group_vars/all/awx.yml".format(env), "awx")
    platform = load("inventories/{0}/group_vars/all/platform.yml".format(env), "platform")
    layers = load("playbooks/vars/awx_layers.yml", "awx_layers")
    generated = awx_layer_workflow(awx, layers, platform)
    objects = dict(awx, job_templates=generated["job_templates"], workflows=generated["workflows"])
    return objects, platform, layers


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_real_workflow_passes_the_check(env):
    objects, _, _ = real(env)
    assert awx_workflow_errors(objects) == []  # against this collection's own playbooks/ and inventories/


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_real_workflow_runs_each_layer_per_cloud_in_parallel_with_failure_paths(env):
    objects, platform, layers = real(env)
    nodes = {n["identifier"]: n for n in objects["workflows"][0]["nodes"]}
    jts = {jt["name"]: jt for jt in objects["job_templates"]}
    for layer in layers:
        for cloud in layer["clouds"]:
            this = nodes["{0}_{1}".format(layer["name"], cloud)]
            assert jts[this["job_template"]]["limit"] == cloud + "_regions"
            assert jts[this["job_template"]]["playbook"] == layer["playbook"]
            assert nodes[this["failure"][0]]["type"] == "notify"
    parents = [n["identifier"] for n in nodes.values() if "network_aws" in n.get("success", [])]
    assert parents == [n["identifier"] for n in nodes.values() if "network_gcp" in n.get("success", [])]
    roots = set(nodes) - {c for n in nodes.values() for e in ("success", "failure", "always") for c in n.get(e, [])}
    if env == "production":
        assert roots == {"approve_production"} and nodes["approve_production"]["type"] == "approval"
    else:
        assert roots == {"network_aws", "network_gcp"}
    survey = {q["variable"]: q for q in objects["workflows"][0]["survey"]["spec"]}
    assert survey["platform_environment"]["choices"] == [env]
    assert set(survey["platform_regions"]["choices"]) == set(platform["regions"]["aws"] + platform["regions"]["gcp"])


def test_no_secret_value_is_in_the_data():
    for env in ENVIRONMENTS:
        objects, _, _ = real(env)
        for item in objects["credentials"] + objects["notification_templates"]:
            for value in list(item.get("secret_inputs", {}).values()) + list(item.get("secret_configuration", {}).values()):
                assert value.isupper() and value.startswith("AWX_"), (env, item["name"], "secret fields name env variables")
            assert not {"password", "token", "service_key", "vault_password"} & set(item.get("inputs", {}))
            assert not {"password", "token", "service_key"} & set(item.get("notification_configuration", {}))


def test_a_layer_that_needs_both_clouds_converges_and_identifiers_are_stable():
    _, platform, layers = real("staging")
    awx = load("inventories/staging/group_vars/all/awx.yml", "awx")
    more = layers + [{"name": "hybrid", "playbook": "playbooks/hybrid.yml", "clouds": ["aws"], "after": ["network"], "converge": True},
                     {"name": "hosts", "playbook": "playbooks/hosts.yml", "clouds": [], "after": ["hybrid"]}]
    first = awx_layer_workflow(awx, more, platform)
    nodes = {n["identifier"]: n for n in first["workflows"][0]["nodes"]}
    assert nodes["hybrid_aws"]["all_parents_must_converge"] is True
    assert "hybrid_aws" in nodes["network_aws"]["success"] and "hybrid_aws" in nodes["network_gcp"]["success"]
    assert nodes["hosts"]["all_parents_must_converge"] is False and "hosts" in nodes["hybrid_aws"]["success"]
    assert awx_layer_workflow(awx, more, platform) == first
    # Adding a layer leaves every existing node's identifier (the key in AWX) unchanged.
    assert {n["identifier"] for n in awx_layer_workflow(awx, layers, platform)["workflows"][0]["nodes"]} < set(nodes)
    errors = awx_workflow_errors(dict(awx, **first))
    assert errors and all("playbooks/hybrid.yml" in e or "playbooks/hosts.yml" in e for e in errors), errors


def test_a_layer_after_an_unknown_layer_is_refused():
    awx = load("inventories/sandbox/group_vars/all/awx.yml", "awx")
    platform = load("inventories/sandbox/group_vars/all/platform.yml", "platform")
    with pytest.raises(AnsibleFilterError, match="after compute, which is not an earlier layer"):
        awx_layer_workflow(awx, [{"name": "hosts", "playbook": "playbooks/network.yml", "after": ["compute"]}], platform)
