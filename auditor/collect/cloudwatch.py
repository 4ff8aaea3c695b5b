"""CloudWatch AWS/ECS CPU and memory utilisation per service, hourly, over 14 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditor.collect.base import CallLedger, Clients, chunks
from auditor.collect.limits import required
from auditor.model import Service, Utilisation

# Each call -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {"cloudwatch:GetMetricData": ("ecs:DescribeServices",)}
WINDOW_DAYS = 14
PERIOD = 3600
# GetMetricData: at most 500 queries and 100,800 data points per call. 4 queries x 336 hourly
# points per service → 75 services per call stays under both.
SERVICES_PER_CALL = 75


def get_utilisation(clients: Clients, ledger: CallLedger, region: str,
                    services: list[Service], now: datetime | None = None) -> list[Utilisation]:
    cw = clients("cloudwatch", region)
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=WINDOW_DAYS)
    out: list[Utilisation] = []
    for batch in chunks(services, SERVICES_PER_CALL):
        queries = []
        for i, svc in enumerate(batch):
            cluster = svc.cluster_arn.rsplit("/", 1)[-1]
            for metric, short in (("CPUUtilization", "c"), ("MemoryUtilization", "m")):
                for stat in ("Average", "Maximum"):
                    queries.append({
                        "Id": f"{short}{stat[:3].lower()}{i}",
                        "MetricStat": {
                            "Metric": {"Namespace": "AWS/ECS", "MetricName": metric,
                                       "Dimensions": [{"Name": "ClusterName", "Value": cluster},
                                                      {"Name": "ServiceName", "Value": svc.name}]},
                            "Period": PERIOD, "Stat": stat},
                        "ReturnData": True})

        def fetch(q=queries) -> dict[str, list[float]]:
            values: dict[str, list[tuple[datetime, float]]] = {}
            for page in cw.get_paginator("get_metric_data").paginate(
                    MetricDataQueries=q, StartTime=start, EndTime=end, ScanBy="TimestampAscending"):
                for r in required(page, "MetricDataResults", "GetMetricData"):
                    values.setdefault(r["Id"], []).extend(zip(r.get("Timestamps", []),
                                                              r.get("Values", []), strict=False))
            return {k: [v for _, v in sorted(pts)] for k, pts in values.items()}

        got = ledger.guard("cloudwatch", region, "GetMetricData", fetch)
        if got is None:
            continue
        for i, svc in enumerate(batch):
            out.append(Utilisation(
                service_arn=svc.arn, start=start.isoformat(), end=end.isoformat(),
                period_seconds=PERIOD,
                cpu_average=tuple(got.get(f"cave{i}", [])),
                cpu_maximum=tuple(got.get(f"cmax{i}", [])),
                memory_average=tuple(got.get(f"mave{i}", [])),
                memory_maximum=tuple(got.get(f"mmax{i}", []))))
    return out
