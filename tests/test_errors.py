"""finews raises only the errors declared in finews.errors, under FinewsError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import ModuleType

import pytest

import finews
from finews import errors


def _modules() -> list[ModuleType]:
    found = [finews]
    for info in pkgutil.walk_packages(finews.__path__, prefix="finews."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            found.append(importlib.import_module(info.name))
    return found


def _exception_classes(module: ModuleType) -> list[type[BaseException]]:
    return [
        value
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__.startswith("finews")
    ]


def test_every_finews_exception_is_a_finews_error_declared_in_finews_errors():
    modules = _modules()
    assert len(modules) > 50  # the walk reached the whole package
    strays = {
        f"{cls.__module__}.{cls.__qualname__}"
        for module in modules
        for cls in _exception_classes(module)
        if cls.__module__ != "finews.errors" or not issubclass(cls, errors.FinewsError)
    }
    assert not strays


def test_the_module_docstring_lists_the_whole_tree():
    declared = {cls.__name__ for cls in _exception_classes(errors)}
    assert "FinewsError" in declared and len(declared) > 15
    listed = set(re.findall(r"── (\w+)", errors.__doc__ or ""))
    assert declared - {"FinewsError"} == listed


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("finews.store", "StorageError"),
        ("finews.store.sql", "StorageError"),
        ("finews.store", "ArchiveBusy"),
        ("finews.store.lock", "ArchiveBusy"),
        ("finews.queue", "QueueError"),
        ("finews.queue.app", "QueueError"),
        ("finews.sources.postparse", "PostError"),
    ],
)
def test_the_old_import_locations_still_give_the_same_class(module, name):
    assert getattr(importlib.import_module(module), name) is getattr(errors, name)


def test_archive_busy_is_a_storage_error():
    assert issubclass(errors.ArchiveBusy, errors.StorageError)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (errors.FetchTimeout("http://a.example/", "timed out after 5s"), True),
        (errors.FetchConnectError("http://a.example/", "cannot connect: refused"), True),
        (errors.HTTPStatusError("http://a.example/", "HTTP 503", status=503), True),
        (errors.HTTPStatusError("http://a.example/", "HTTP 429", status=429), True),
        (errors.HTTPStatusError("http://a.example/", "HTTP 404", status=404), False),
        (errors.DeadlineExceeded("http://a.example/", "too slow"), False),
        (errors.AddressRefused("http://a.example/", "refused: 10.0.0.1"), False),
        (errors.BodyTooLarge("http://a.example/", "body larger than 10 bytes"), False),
        (errors.FetchError("http://a.example/", "invalid URL"), False),
    ],
)
def test_transient_is_decided_by_the_kind_of_failure(error, transient):
    assert error.transient is transient


def test_a_failure_reported_for_another_url_keeps_its_kind_and_cause():
    refused = errors.AddressRefused("intranet.example.com", "refused: intranet.example.com is 10.0.0.7")
    moved = refused.for_url("http://intranet.example.com/feed")
    assert type(moved) is errors.AddressRefused and moved.cause == refused.cause
    assert str(moved) == "http://intranet.example.com/feed: refused: intranet.example.com is 10.0.0.7"
