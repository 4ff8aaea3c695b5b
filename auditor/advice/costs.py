"""What each service costs per month, and cheaper shapes that would still fit it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from auditor.advice.instances import is_arm, shape
from auditor.advice.packing import pack
from auditor.advice.results import CostRow, Ec2Fit, FargateFit, Fit
from auditor.facts.fargate import (
    MAX_FARGATE_CPU,
    MAX_FARGATE_MEMORY,
    WINDOWS_CPUS,
    all_fargate_sizes,
    fargate_blockers,
    reservation,
    valid_fargate_size,
)
from auditor.graph.access import AccessModel
from auditor.model import Inventory, Service, TaskDefinition, Utilisation

DEFAULT_HEADROOM = 0.2
DEFAULT_FAMILY = "m6i"
MIN_DATAPOINTS = 24  # a day of hourly points before right-sizing is advised


def percentile(values: tuple[float, ...] | list[float], q: float) -> float:
    data = sorted(values)
    k = (len(data) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def size_label(cpu: int, mem: int) -> str:
    # On EC2 a container may reserve no CPU at all (cpu 0 shares the host's): say so, not "0 vCPU".
    cpu_text = f"{cpu / 1024:g} vCPU" if cpu else "no CPU reserved"
    return f"{cpu_text} / {mem / 1024:g} GB"


@dataclass
class ServiceCost:
    service: Service
    td: TaskDefinition
    launch: str
    cpu: int
    memory: int
    count: int
    monthly: float | None
    assumptions: list[str] = field(default_factory=list)
    advice: dict[str, dict] = field(default_factory=dict)  # rule code -> recommendation

    def best(self) -> dict | None:
        return max(self.advice.values(), key=lambda a: a["monthly_saving_usd"], default=None)


class Advice:
    def __init__(self, inv: Inventory, model: AccessModel, table: dict,
                 headroom: float = DEFAULT_HEADROOM, instance_family: str | None = None) -> None:
        self.inv, self.model, self.table = inv, model, table
        self.headroom = headroom
        self.family = instance_family
        self.hours = float(table.get("hours_per_month", 730))
        self.clusters: dict[str, dict] = {}
        self.services: dict[str, ServiceCost] = {}
        self._fits: dict[str, Fit] = {}
        self._cluster_costs()
        for s in inv.services:
            sc = self._service(s)
            if sc:
                self.services[s.arn] = sc

    # --- prices ----------------------------------------------------------------------------
    def fargate_hourly(self, region: str, cpu: int, mem: int, arch: str = "x86",
                       windows: bool = False, ephemeral_gib: int | None = None) -> float | None:
        rates = self.table["regions"].get(region, {}).get("fargate", {})
        key = "windows" if windows else ("arm" if arch == "arm" else "x86")
        r = rates.get(key)
        if not r:
            return None
        price = cpu / 1024 * r["vcpu_hour"] + mem / 1024 * r["gb_hour"]
        if windows:
            price += cpu / 1024 * r.get("os_vcpu_hour", 0.0)
        if ephemeral_gib and ephemeral_gib > 20:
            price += (ephemeral_gib - 20) * rates.get("ephemeral_gb_hour", 0.0)
        return price

    def ec2_hourly(self, region: str, instance_type: str | None) -> float | None:
        return self.table.get("ec2", {}).get(region, {}).get(instance_type or "")

    def cheapest_fargate(self, region: str, need_cpu: float, need_mem: float, arch: str,
                         windows: bool) -> tuple[int, int, float] | None:
        best = None
        for cpu, mem in all_fargate_sizes(windows):
            if cpu >= need_cpu and mem >= need_mem:
                price = self.fargate_hourly(region, cpu, mem, arch, windows)
                if price is not None and (best is None or price < best[2]):
                    best = (cpu, mem, price)
        return best

    # --- EC2 clusters ------------------------------------------------------------------------
    def _cluster_costs(self) -> None:
        ix = self.inv.index
        for cluster_arn, cis in ix.instances_by_cluster.items():
            types, hourly, missing = [], 0.0, []
            for ci in cis:
                inst = ix.ec2_instance.get(ci.ec2_instance_id or "")
                price = self.ec2_hourly(ci.region, inst.instance_type if inst else None)
                if price is None:
                    missing.append(inst.instance_type if inst else ci.ec2_instance_id)
                    continue
                types.append(inst.instance_type)
                hourly += price
            self.clusters[cluster_arn] = {
                "instances": cis, "types": types, "monthly": hourly * self.hours,
                "unpriced": missing,
                "cpu": sum(ci.registered_cpu for ci in cis),
                "memory": sum(ci.registered_memory for ci in cis),
                "reserved_cpu": sum(ci.registered_cpu - ci.remaining_cpu for ci in cis),
                "reserved_memory": sum(ci.registered_memory - ci.remaining_memory for ci in cis)}

    # --- services ----------------------------------------------------------------------------
    def _service(self, s: Service) -> ServiceCost | None:
        td = self.inv.index.task_definition.get(s.task_definition_arn)
        if td is None:
            return None
        cpu, mem = reservation(td)
        launch = s.launch_label
        count = s.desired_count
        if s.scheduling_strategy == "DAEMON":
            count = len(self.inv.index.instances_by_cluster.get(s.cluster_arn, []))
        sc = ServiceCost(s, td, launch, cpu, mem, count, None)
        arch = "arm" if (td.cpu_architecture or "").upper() == "ARM64" else "x86"
        if launch == "FARGATE":
            hourly = self.fargate_hourly(s.region, cpu, mem, arch, td.is_windows, td.ephemeral_storage_gib)
            if not valid_fargate_size(cpu, mem, td.is_windows):
                sc.assumptions.append("not a valid Fargate size (rule L102): cost unknown")
            elif hourly is None:
                sc.assumptions.append(f"no Fargate price for {s.region} ({arch})")
            else:
                spot = self._spot_share(s)
                discount = self.table.get("fargate_spot_discount", 0.7)
                sc.monthly = hourly * self.hours * count * (1 - spot * discount)
                sc.assumptions.append(f"{count} task(s) around the clock at {size_label(cpu, mem)}")
                if spot:
                    sc.assumptions.append(f"{spot:.0%} on Fargate Spot at an estimated {discount:.0%} off")
        else:
            sc.monthly = self._ec2_share(s, sc)
        self._advise(sc, arch)
        return sc

    def _spot_share(self, s: Service) -> float:
        weights = {x.get("capacityProvider"): x.get("weight", 0) for x in s.capacity_provider_strategy}
        total = sum(weights.values())
        return weights.get("FARGATE_SPOT", 0) / total if total else 0.0

    def _ec2_share(self, s: Service, sc: ServiceCost) -> float | None:
        c = self.clusters.get(s.cluster_arn)
        if not c or not c["cpu"] or not c["memory"] or c["unpriced"]:
            sc.assumptions.append("cluster instances not priced" if c else "no container instances")
            return None
        share = max(sc.cpu * sc.count / c["cpu"], sc.memory * sc.count / c["memory"])
        sc.assumptions.append(f"share {share:.1%} of the cluster's instances by reservation")
        return c["monthly"] * min(share, 1.0)

    def idle(self) -> dict[str, float]:
        """Cluster -> monthly cost of capacity no service reserves."""
        out = {}
        for arn, c in self.clusters.items():
            used = sum(x.monthly or 0 for x in self.services.values()
                       if x.service.cluster_arn == arn and x.launch != "FARGATE")
            if c["monthly"]:
                out[arn] = max(0.0, c["monthly"] - used)
        return out

    # --- recommendations ---------------------------------------------------------------------------
    def _advise(self, sc: ServiceCost, arch: str) -> None:
        if sc.monthly is None or sc.count == 0:
            return
        if sc.launch == "FARGATE":
            self._rightsize(sc, arch)
            self._container_fit(sc, arch)
            self._to_ec2(sc)
            self._spot(sc)
        else:
            self._to_fargate(sc, arch)

    def _offer(self, sc: ServiceCost, code: str, recommended: str, new_monthly: float,
               **extra) -> None:
        saving = sc.monthly - new_monthly
        if saving > 0.005:
            sc.advice[code] = {"monthly_cost_usd": round(sc.monthly, 2), "recommended": recommended,
                               "recommended_monthly_cost_usd": round(new_monthly, 2),
                               "monthly_saving_usd": round(saving, 2), **extra}

    def utilisation(self, s: Service) -> Utilisation | None:
        return self.inv.index.utilisation.get(s.arn)

    def usage_need(self, sc: ServiceCost) -> dict | None:
        """CPU units and MiB the service needs from p95 of hourly maxima plus headroom."""
        u = self.utilisation(sc.service)
        if not u:
            return None
        cpu_series = u.cpu_maximum or u.cpu_average
        mem_series = u.memory_maximum or u.memory_average
        if len(cpu_series) < MIN_DATAPOINTS or len(mem_series) < MIN_DATAPOINTS:
            return None
        cpu_p95, mem_p95 = percentile(cpu_series, 0.95), percentile(mem_series, 0.95)
        return {"cpu": sc.cpu * cpu_p95 / 100 * (1 + self.headroom),
                "memory": sc.memory * mem_p95 / 100 * (1 + self.headroom),
                "cpu_p95_percent": round(cpu_p95, 1), "memory_p95_percent": round(mem_p95, 1),
                "window": f"{u.start} to {u.end}"}

    def _rightsize(self, sc: ServiceCost, arch: str) -> None:
        need = self.usage_need(sc)
        if not need:
            return
        # Containers' hard limits must still fit.
        need_cpu = max(need["cpu"], sum(c.cpu for c in sc.td.containers))
        need_mem = max(need["memory"], sum(c.memory or 0 for c in sc.td.containers))
        best = self.cheapest_fargate(sc.service.region, need_cpu, need_mem, arch, sc.td.is_windows)
        if best and (best[0], best[1]) != (sc.cpu, sc.memory):
            self._offer(sc, "K101", size_label(best[0], best[1]), best[2] * self.hours * sc.count,
                        cpu_p95_percent=need["cpu_p95_percent"],
                        memory_p95_percent=need["memory_p95_percent"], headroom=self.headroom,
                        window=need["window"], statistic="p95 of hourly maxima")

    def _container_fit(self, sc: ServiceCost, arch: str) -> None:
        cs = sc.td.containers
        if not cs or any(not (c.memory or c.memory_reservation) for c in cs):
            return  # without every container's memory we cannot say what fits
        need_cpu = sum(c.cpu for c in cs)
        need_mem = sum(c.memory or c.memory_reservation or 0 for c in cs)
        usage = self.usage_need(sc)
        if usage:  # never below what the service was seen to use
            need_cpu, need_mem = max(need_cpu, usage["cpu"]), max(need_mem, usage["memory"])
        best = self.cheapest_fargate(sc.service.region, need_cpu, need_mem, arch, sc.td.is_windows)
        if best and best[0] <= sc.cpu and best[1] <= sc.memory and (best[0], best[1]) != (sc.cpu, sc.memory):
            self._offer(sc, "K102", size_label(best[0], best[1]), best[2] * self.hours * sc.count,
                        containers_cpu=sum(c.cpu for c in cs),
                        containers_memory=sum(c.memory or c.memory_reservation or 0 for c in cs),
                        observed_use_considered=bool(usage))

    def instance_family(self, s: Service) -> str:
        if self.family:
            return self.family
        c = self.clusters.get(s.cluster_arn)
        if c and c["types"]:
            return c["types"][0].partition(".")[0]
        return DEFAULT_FAMILY

    def _to_ec2(self, sc: ServiceCost) -> None:
        family = self.instance_family(sc.service)
        region = sc.service.region
        options = []
        for itype in sorted(self.table.get("ec2", {}).get(region, {})):
            if itype.partition(".")[0] != family:
                continue
            cap, price = shape(itype), self.ec2_hourly(region, itype)
            if cap and price and sc.cpu <= cap[0] and sc.memory <= cap[1]:
                n = len(pack([(sc.cpu, sc.memory)] * sc.count, cap))
                options.append((n * price * self.hours, itype, n))
        if not options:
            return
        cost, itype, n = min(options)
        if cost <= 0.8 * sc.monthly:
            self._offer(sc, "K103", f"EC2: {n} x {itype}", cost, instance_family=family,
                        packing="first-fit decreasing by reservation", assumptions=[
                            "instances fully dedicated to this service", "on-demand prices",
                            "ECS registers about 94% of instance memory"])

    def _to_fargate(self, sc: ServiceCost, arch: str) -> None:
        td = sc.td
        if fargate_blockers(td) or sc.service.scheduling_strategy == "DAEMON":
            return
        best = self.cheapest_fargate(sc.service.region, sc.cpu, sc.memory, arch, td.is_windows)
        if best:
            cost = best[2] * self.hours * sc.count
            if cost <= 0.8 * sc.monthly:
                self._offer(sc, "K103", f"Fargate: {sc.count} x {size_label(best[0], best[1])}", cost,
                            assumptions=["on-demand prices", "task size rounded up to a valid Fargate size"])

    def _spot(self, sc: ServiceCost) -> None:
        s, td = sc.service, sc.td
        if sc.count < 2 or not s.load_balancers or self._spot_share(s) or td.is_windows:
            return
        if any(v.efs for v in td.volumes) or (td.cpu_architecture or "").upper() == "ARM64":
            return
        discount = self.table.get("fargate_spot_discount", 0.7)
        spot_tasks = sc.count - 1
        new = sc.monthly * (1 - discount * spot_tasks / sc.count)
        self._offer(sc, "K106", f"FARGATE base 1 + FARGATE_SPOT for {spot_tasks} task(s)", new,
                    assumptions=[f"Spot discount estimated at {discount:.0%} (AWS: up to 70%)",
                                 "tasks tolerate a two-minute interruption notice"])

    # --- launch-type fit ------------------------------------------------------------------------
    def fit(self, td: TaskDefinition) -> Fit:
        """Can this task definition run on Fargate (else the exact blockers) and on which EC2
        instance types of the price table (large enough, right architecture)?"""
        if td.arn not in self._fits:  # asked for each service and each workload
            self._fits[td.arn] = self._fit(td)
        return self._fits[td.arn]

    def _fit(self, td: TaskDefinition) -> Fit:
        cpu, mem = reservation(td)
        blockers = [f"{b['parameter']}" + (f" ({b['container']})" if b["container"] else "")
                    for b in fargate_blockers(td)]
        if cpu > MAX_FARGATE_CPU or mem > MAX_FARGATE_MEMORY:
            blockers.append(f"size {size_label(cpu, mem)} above Fargate's 16 vCPU / 120 GB")
        if td.is_windows:
            if cpu and cpu not in WINDOWS_CPUS and cpu <= 4096 and not valid_fargate_size(cpu, mem, True):
                blockers.append("Windows on Fargate takes 1, 2 or 4 vCPU only")
            if any(v.efs for v in td.volumes):
                blockers.append("EFS volumes are not supported for Windows on Fargate")
        arm = (td.cpu_architecture or "").upper() == "ARM64"
        types = sorted((t for t in self.table.get("ec2", {}).get(td.region, {})
                        if (cap := shape(t)) and cap[0] >= cpu and cap[1] >= mem and is_arm(t) == arm),
                       key=lambda t: self.ec2_hourly(td.region, t))
        return Fit(td.arn, cpu, mem, FargateFit(not blockers, tuple(blockers)),
                   Ec2Fit(bool(types), tuple(types[:8])))

    def fits(self) -> list[Fit]:
        return [self.fit(w.task_definition) for w in self.model.workloads.values()]

    # --- outputs ----------------------------------------------------------------------------------
    def rows(self) -> list[CostRow]:
        out = []
        for sc in self.services.values():
            best = sc.best()
            fit = self.fit(sc.td)
            out.append(CostRow(
                service_arn=sc.service.arn, service=sc.service.name,
                cluster=sc.service.cluster_arn.rsplit("/", 1)[-1], launch_type=sc.launch,
                size=size_label(sc.cpu, sc.memory), desired_count=sc.count,
                monthly_cost_usd=round(sc.monthly, 2) if sc.monthly is not None else None,
                recommendation=best["recommended"] if best else "",
                monthly_saving_usd=best["monthly_saving_usd"] if best else 0.0,
                assumptions="; ".join(sc.assumptions),
                fits_fargate="yes" if fit.fargate.fits else "no: " + ", ".join(fit.fargate.blockers),
                fits_ec2=", ".join(fit.ec2.instance_types[:3]) or "no listed type",
                region=sc.service.region, vcpu=sc.cpu / 1024, memory_gb=sc.memory / 1024))
        for arn, cost in self.idle().items():
            out.append(CostRow(
                service_arn="", service="(idle capacity)", cluster=arn.rsplit("/", 1)[-1],
                launch_type="EC2", size="", desired_count=0, monthly_cost_usd=round(cost, 2),
                recommendation="", monthly_saving_usd=0.0,
                assumptions="registered capacity no service reserves", fits_fargate="", fits_ec2="",
                region=arn.split(":")[3] if arn.count(":") >= 5 else ""))
        return out

    def pricing_meta(self) -> dict:
        return {"date": self.table.get("date"), "source": self.table.get("source"),
                "origin": self.table.get("origin"), "hours_per_month": self.hours,
                "headroom": self.headroom}


