# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sandbox/hosts/hosts.py: the host list is validated before any container or instance is made.
The hosts themselves (podman, the emulator, Prometheus) are exercised by
tests/integration/test_sandbox_hosts.py."""
import pytest

from sandbox_support import SANDBOX_DIR, load

hosts = load("sandbox_hosts", SANDBOX_DIR / "hosts" / "hosts.py")


def write(tmp_path, text):
    path = tmp_path / "hosts.yml"
    path.write_text(text)
    return path


def test_the_shipped_host_list_is_valid_and_has_a_prometheus_host():
    plan = hosts.load_plan(SANDBOX_DIR / "hosts" / "hosts.yml")
    assert plan.env == "sandbox"
    assert [h.name for h in plan.hosts if h.tags["role"] == "prometheus"]
    assert len({h.name for h in plan.hosts}) == len(plan.hosts)


@pytest.mark.parametrize(
    "text, message",
    [
        ("hosts: [{name: a, region: us-east-1, tags: {tier: web, role: web, tenant: t}}]", "env must be a non-empty string"),
        ("env: sandbox\nhosts: []", "hosts is empty"),
        ("env: sandbox\nhosts: [{name: 'a b', region: us-east-1, tags: {tier: w, role: w, tenant: t}}]", "hosts[0].name must be"),
        (
            "env: sandbox\nhosts: [{name: a, region: us-east-1, tags: {tier: w, role: w, tenant: t}},"
            " {name: a, region: us-east-1, tags: {tier: w, role: w, tenant: t}}]",
            "hosts[1].name a is not unique",
        ),
        ("env: sandbox\nhosts: [{name: a, tags: {tier: w, role: w, tenant: t}}]", "hosts[0].region must be an AWS region"),
        ("env: sandbox\nhosts: [{name: a, region: us-east-1, tags: {tier: w}}]", "hosts[0].tags lacks role, tenant"),
        (
            "env: sandbox\nhosts: [{name: a, region: us-east-1, tags: {tier: w, role: w, tenant: t, env: prod}}]",
            "hosts[0].tags may not set env",
        ),
    ],
)
def test_a_bad_host_list_is_refused_naming_the_field(tmp_path, text, message):
    with pytest.raises(SystemExit) as error:
        hosts.load_plan(write(tmp_path, text))
    assert message in str(error.value)


def test_a_host_is_up_only_when_its_instance_has_the_containers_address():
    row = {"container": "running", "address": "10.88.0.4", "instance": "i-1", "instance_address": "10.88.0.4"}
    assert hosts.is_up(row)
    assert not hosts.is_up({**row, "instance_address": "10.88.0.9"})
    assert not hosts.is_up({**row, "container": "exited"})
    assert not hosts.is_up({**row, "instance": ""})


def test_prometheus_targets_are_asked_again_until_prometheus_has_scraped_them(monkeypatch):
    answers = iter([[], [{"job": "node", "instance": "10.0.0.1:9100", "health": "unknown"}],
                    [{"job": "node", "instance": "10.0.0.1:9100", "health": "up"}]])
    monkeypatch.setattr(hosts, "_read_prometheus_targets", lambda name: next(answers))
    monkeypatch.setattr(hosts.time, "sleep", lambda seconds: None)
    assert hosts.prometheus_targets("prom1") == [{"job": "node", "instance": "10.0.0.1:9100", "health": "up"}]


def test_prometheus_targets_give_up_after_the_settle_time_and_do_not_wait_for_no_answer(monkeypatch):
    monkeypatch.setattr(hosts, "_read_prometheus_targets", lambda name: [])
    monkeypatch.setattr(hosts.time, "sleep", lambda seconds: None)
    assert hosts.prometheus_targets("prom1", settle_seconds=0) == []
    calls = []
    monkeypatch.setattr(hosts, "_read_prometheus_targets", lambda name: calls.append(name))
    assert hosts.prometheus_targets("prom1") is None and calls == ["prom1"]
