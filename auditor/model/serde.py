"""Generic, exact conversion between the inventory dataclasses and JSON-ready dicts.

One mechanism for every model class (rather than a to_dict/from_dict pair per class) so that a
new field round-trips by being declared, nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any


class SnapshotError(ValueError):
    """A snapshot (or part of one) is not what this tool wrote."""


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    return obj


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_jsonable(tp: Any, data: Any, where: str = "snapshot") -> Any:
    """Build a value of type `tp` from JSON data; raise SnapshotError naming the bad place."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return from_jsonable(arg, data, where)
            except SnapshotError:
                continue
        raise SnapshotError(f"{where}: unexpected value {data!r:.60}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = from_jsonable(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SnapshotError(f"{where}: missing required field '{f.name}'")
        return tp(**kwargs)
    if origin is tuple:
        if not isinstance(data, list):
            raise SnapshotError(f"{where}: expected a list")
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return tuple(from_jsonable(item, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin is dict or tp is dict:
        if not isinstance(data, dict):
            raise SnapshotError(f"{where}: expected an object")
        args = typing.get_args(tp)
        val = args[1] if len(args) == 2 else Any
        return {k: from_jsonable(val, v, f"{where}.{k}") for k, v in data.items()}
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise SnapshotError(f"{where}: expected a number")
        return float(data)
    if tp in (str, int, bool):
        if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
            raise SnapshotError(f"{where}: expected {tp.__name__}")
        return data
    if tp is type(None):
        if data is not None:
            raise SnapshotError(f"{where}: expected null")
        return None
    raise SnapshotError(f"{where}: unsupported type {tp!r}")
