"""One client class and one service model per service, shared by every member account's
clients. botocore builds both anew for every client: a class with a method, a docstring
object and an operation model per operation (EC2 has hundreds), all in reference cycles.
An organisation scan makes a dozen clients per account, so each account left about 2 MB of
cyclic garbage that outlived the young generations (accounts overlap) and only a full
collection would free (and building them again for every client costs CPU too).

botocore offers no hook for this: `Session.create_client` makes a `ClientCreator` by name
for each client. So the name is given a subclass that shares only for clients made with the
organisation scan's own loader; every other session in the process is served exactly as
botocore serves it. What is shared is what botocore derives from the service's JSON model
and the `creating-client-class` handlers, which every session of the scan registers alike;
credentials, endpoint and event handlers stay the client's own."""

from __future__ import annotations

import threading

import botocore.client
from botocore.client import ClientCreator
from botocore.loaders import Loader

_LOCK = threading.RLock()
_models: dict[tuple[str, str | None], object] = {}
# id of a shared service model -> its client class (None until the first client asks). The
# models are kept for the process's life, so no other object can come to have their ids.
_classes: dict[int, type | None] = {}
_loaders: list[Loader] = []  # the loaders whose clients share (one: the scan's)


class _SharingClientCreator(ClientCreator):
    def _load_service_model(self, service_name, api_version=None):
        if not _shares(self._loader):
            return super()._load_service_model(service_name, api_version)
        with _LOCK:
            key = (service_name, api_version)
            if key not in _models:
                _models[key] = super()._load_service_model(service_name, api_version)
                _classes[id(_models[key])] = None
            return _models[key]

    def _create_client_class(self, service_name, service_model):
        if not _shares(self._loader) or id(service_model) not in _classes:
            return super()._create_client_class(service_name, service_model)
        with _LOCK:
            if _classes[id(service_model)] is None:
                _classes[id(service_model)] = super()._create_client_class(service_name, service_model)
            return _classes[id(service_model)]


def _shares(loader: Loader) -> bool:
    return any(loader is mine for mine in _loaders)


def share_client_classes(loader: Loader) -> None:
    """From now on, clients made with `loader` share their service's class and model."""
    with _LOCK:
        if not _shares(loader):
            _loaders.append(loader)
        if not issubclass(botocore.client.ClientCreator, _SharingClientCreator):
            botocore.client.ClientCreator = _SharingClientCreator
