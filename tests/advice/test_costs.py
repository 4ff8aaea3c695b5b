"""Cost arithmetic against hand-computed examples, the Fargate size table, packing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.advice import advise
from auditor.advice.packing import lower_bound, pack
from auditor.facts.fargate import FARGATE_SIZES, valid_fargate_size
from auditor.graph import AccessModel
from auditor.model import ContainerDefinition, Utilisation
from tests.builders import inventory, service, task_def


def fargate_service(cpu="1024", memory="2048", count=1, containers=None, util=None, **svc):
    td = task_def("app", compat=("FARGATE",), cpu=cpu, memory=memory,
                  **({"containers": containers} if containers else {}))
    s = service("app", td, "FARGATE", **svc)
    s = type(s)(**{**s.__dict__, "desired_count": count})
    inv = inventory(tds=[td], services=[s], utilisation=(util(s.arn),) if util else ())
    advice = advise(inv, AccessModel(inv))
    return advice.services[s.arn]


def test_one_vcpu_two_gb_x86_us_east_1_costs_36_04_a_month():
    # (0.04048 + 2 x 0.004445) x 730 = 36.04
    assert round(fargate_service().monthly, 2) == 36.04


def test_desired_count_and_size_scale_the_cost():
    # (2 x 0.04048 + 8 x 0.004445) x 730 x 2 = 170.12
    assert round(fargate_service("2048", "8192", count=2).monthly, 2) == 170.12


def test_windows_adds_the_os_licence_fee():
    td = task_def("w", compat=("FARGATE",), cpu="1024", memory="2048", os_family="WINDOWS_SERVER_2022_CORE")
    inv = inventory(tds=[td], services=[service("w", td, "FARGATE")])
    sc = advise(inv, AccessModel(inv)).services[inv.services[0].arn]
    # (0.09148 + 0.046 + 2 x 0.01005) x 730 x 2 tasks (the builder's desired count)
    assert round(sc.monthly, 2) == round((0.09148 + 0.046 + 2 * 0.01005) * 730 * 2, 2)


def test_every_valid_fargate_size_is_accepted_and_neighbours_rejected():
    for cpu, mems in FARGATE_SIZES.items():
        step = mems[1] - mems[0] if len(mems) > 1 else 1024
        for m in mems:
            assert valid_fargate_size(cpu, m), (cpu, m)
        assert not valid_fargate_size(cpu, mems[0] - step), (cpu, mems[0] - step)
        assert not valid_fargate_size(cpu, mems[-1] + step), (cpu, mems[-1] + step)
        if len(mems) > 1:
            assert not valid_fargate_size(cpu, mems[0] + step // 2)
        assert not valid_fargate_size(cpu + 1, mems[0]) and not valid_fargate_size(cpu - 1, mems[0])
    assert sum(len(m) for m in FARGATE_SIZES.values()) == 3 + 4 + 7 + 13 + 23 + 12 + 12
    assert not valid_fargate_size(512, 1024, windows=True)
    assert valid_fargate_size(1024, 2048, windows=True)
    assert not valid_fargate_size(8192, 16384, windows=True)
    assert FARGATE_SIZES[4096][-1] == 30720  # 4 vCPU tops out at 30 GiB


def util(cpu_pct, mem_pct):
    return lambda arn: Utilisation(arn, "2026-11-13T00:00:00+00:00", "2026-11-27T00:00:00+00:00",
                                   cpu_maximum=(cpu_pct,) * 336, memory_maximum=(mem_pct,) * 336)


def test_rightsizing_picks_the_smallest_valid_size_covering_p95_with_headroom():
    sc = fargate_service("2048", "8192", count=2, util=util(10.0, 15.0))
    k101 = sc.advice["K101"]
    # need: 2048 x 10% x 1.2 = 246 CPU, 8192 x 15% x 1.2 = 1475 MiB -> 256 CPU / 2048 MiB
    assert k101["recommended"] == "0.25 vCPU / 2 GB"
    before = (2 * 0.04048 + 8 * 0.004445) * 730 * 2
    after = (0.25 * 0.04048 + 2 * 0.004445) * 730 * 2
    assert k101["monthly_saving_usd"] == round(before - after, 2) == 142.36


def test_no_rightsizing_when_the_service_is_busy():
    assert "K101" not in fargate_service("512", "1024", util=util(85.0, 80.0)).advice


def test_container_reservations_never_go_below_observed_use():
    c = ContainerDefinition(name="app", image="x", cpu=256, memory_reservation=512)
    sc = fargate_service("2048", "8192", containers=(c,), util=util(50.0, 50.0))
    # Half of the task is in use: the recommendation covers that (plus headroom), not 512 MiB.
    assert sc.advice["K102"]["recommended"] == "2 vCPU / 5 GB"
    sc = fargate_service("2048", "8192", containers=(c,))
    assert sc.advice["K102"]["recommended"] == "0.25 vCPU / 0.5 GB"


def test_spot_candidate_keeps_one_on_demand_base():
    from auditor.model import ServiceLoadBalancer
    lb = (ServiceLoadBalancer(target_group_arn="arn:tg", container_name="app", container_port=80),)
    sc = fargate_service(count=4, load_balancers=lb)
    # Three of four tasks at 70% off: saving = 4 x 36.0404 x 0.7 x 3/4.
    assert sc.advice["K106"]["monthly_saving_usd"] == round(4 * 36.0404 * 0.7 * 0.75, 2)
    assert "K106" not in fargate_service(count=1, load_balancers=lb).advice


tasks = st.lists(st.tuples(st.integers(1, 4096), st.integers(1, 15000)), min_size=1, max_size=60)


@given(tasks)
@settings(max_examples=200, deadline=None)
def test_packing_never_overfills_and_stays_near_the_lower_bound(items):
    cap = (4096, 15000)
    bins = pack(items, cap)
    assert sorted(t for b in bins for t in b) == sorted(items)
    for b in bins:
        assert sum(t[0] for t in b) <= cap[0] and sum(t[1] for t in b) <= cap[1]
    # Stated margin: first-fit decreasing uses at most twice the simple lower bound plus one.
    assert len(bins) <= 2 * lower_bound(items, cap) + 1


def test_packing_rejects_a_task_larger_than_an_instance():
    with pytest.raises(ValueError):
        pack([(5000, 10)], (4096, 15000))


def test_launch_type_fit_lists_fargate_blockers_and_large_enough_instances():
    from auditor.advice.costs import Advice
    from auditor.advice.results import FargateFit
    from auditor.facts.prices import load_prices

    gpu = ContainerDefinition(name="trainer", image="x", privileged=True,
                              resource_requirements=({"type": "GPU", "value": "1"},))
    td = task_def("ml", network_mode="bridge", cpu="32768", memory="65536", containers=(gpu,))
    inv = inventory(tds=[td], services=[service("ml", td)])
    fit = Advice(inv, AccessModel(inv), load_prices()).fit(td)
    assert not fit.fargate.fits
    assert {"networkMode", "privileged (trainer)", "resourceRequirements GPU (trainer)"} <= set(
        fit.fargate.blockers)
    assert any("above Fargate's 16 vCPU" in b for b in fit.fargate.blockers)
    assert not fit.ec2.fits  # nothing in the table has 32 vCPU
    small = task_def("web", cpu="1024", memory="4096", compat=("FARGATE",))
    fit = Advice(inv, AccessModel(inv), load_prices()).fit(small)
    assert fit.fargate == FargateFit(True, ())
    assert fit.ec2.instance_types[0] == "t3.large"  # the cheapest x86 type that holds it
    assert all(not t.partition(".")[0].endswith("g") for t in fit.ec2.instance_types)
