"""Work moto's server repeats on every request, done once per emulator process.

- Finding a request's backend: moto lists its package directory (a stat per service, about
  170) and then tries every backend's URL patterns, for each request and under the
  dispatcher's one lock, so requests queue behind it. A host always maps to the same
  backend (the patterns and the package are fixed while the server runs): each host's
  answer is kept.
- Loading a service's model: moto makes a new botocore loader for each model it loads, and
  each new loader lists every service directory of botocore's data (about 400, with a stat
  per API version) before it reads one file. One loader serves them all here; moto still
  keeps each loaded model (``functools.cache``), as before.
- Finding the handler of an action: moto lists every function of the response class
  (``inspect.getmembers``: hundreds for EC2) on each request, a tenth of a request's CPU.
  A class's functions are fixed once the server serves (every patch here is made before the
  first request): each class's names are kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def remember_backend_for_host(
    find: Callable[[Any, str | None], Any],
) -> Callable[[Any, str | None], Any]:
    """``find`` (DomainDispatcherApplication.get_backend_for_host) asked once per host and
    dispatcher; None answers are kept too (the request's body then decides, as before)."""

    @functools.wraps(find)
    def backend_for_host(dispatcher: Any, host: str | None) -> Any:
        known: dict[str | None, Any] = dispatcher.__dict__.setdefault("_backend_by_host", {})
        if host not in known:
            known[host] = find(dispatcher, host)
        return known[host]

    return backend_for_host


def load_with(loader: Any) -> Callable[[str, str], dict[str, Any]]:
    """moto's ``_load_service_model`` over one loader instead of a new one each time."""

    def load_service_model(service_name: str, model_name: str) -> dict[str, Any]:
        model: dict[str, Any] = loader.load_service_model(service_name, model_name)
        return model

    return load_service_model


def names_kept_per_class(names_of: Callable[[Any], list[str]]) -> Callable[[Any], list[str]]:
    """``names_of`` (moto's method_names_from_class) asked once per class; each caller gets
    its own copy of the list."""
    cached = functools.cache(names_of)

    @functools.wraps(names_of)
    def method_names(clazz: Any) -> list[str]:
        return list(cached(clazz))

    return method_names


def install() -> None:
    import moto.core.responses
    import moto.core.utils
    from moto.core.loaders import create_loader
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatcher: Any = DomainDispatcherApplication
    dispatcher.get_backend_for_host = remember_backend_for_host(
        DomainDispatcherApplication.get_backend_for_host
    )
    # get_service_model and get_pagination_model look the name up at each call.
    utils: Any = moto.core.utils
    utils._load_service_model = load_with(create_loader())
    # BaseResponse.call_action calls the name it imported into moto.core.responses.
    responses: Any = moto.core.responses
    responses.method_names_from_class = names_kept_per_class(utils.method_names_from_class)
