"""An embedded moto server on a free loopback port, spoken to through real HTTP."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config

DEMO_ACCOUNT = "123456789012"
DEMO_REGION = "us-east-1"
# Fake credentials for the local server only; moto accepts any.
FAKE_CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextmanager
def moto_server(managed_policies: bool = True) -> Iterator[str]:
    """Start moto on 127.0.0.1 (with AWS managed policies loaded into every account it creates,
    unless told not to: that costs seconds per account); yield its endpoint URL."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true" if managed_policies else "false"
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto keeps its accounts in this process's memory: start each server from an empty one.
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30)
    try:
        yield url
    finally:
        server.stop()


def local_session(region: str = DEMO_REGION) -> boto3.session.Session:
    return boto3.session.Session(region_name=region, **FAKE_CREDS)


def local_client(session: boto3.session.Session, service: str, endpoint: str):
    # moto answers unimplemented calls with HTTP 500, which botocore would retry: don't.
    return session.client(service, endpoint_url=endpoint,
                          config=Config(retries={"total_max_attempts": 1}))
