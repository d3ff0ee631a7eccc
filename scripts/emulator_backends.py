"""How the emulator builds and drops moto's backends: only those a request needs, and no
rebuild of the ones a reset throws away.

Each IAM backend loads about 1,600 AWS-managed policies when it is built (a fifth of a second,
more on a busy machine). moto builds far more of them than it uses:

- On every request it finds the caller's account by looking for the access key in each
  account's IAM backend of each of the six partitions, building the missing ones: six IAM
  backends for every account the first time it is seen after a reset. Only built backends
  can hold a key, so the lookup here reads those alone.
- Its reset (`POST /moto-api/reset`) calls every built backend's ``reset``, which re-runs its
  ``__init__``, and then drops them all (``BackendDict.reset`` clears its dicts), so the next
  request builds them once more. A reset of two accounts took over 10 s on a machine busy with
  a test worker per core and more. Here a backend being reset still releases what it holds
  (S3 closes its keys' temporary files, then calls this reset last, as before) and is left
  empty. Nothing keeps a reference to a dropped backend; one that did would fail loudly
  (AttributeError) instead of reading a rebuilt, orphaned copy.
"""

from __future__ import annotations

from typing import Any


def built_partitions(backends: Any, account: str) -> list[str]:
    """The partitions (or regions) of ``account`` whose backend exists, building none."""
    per_account = dict.get(backends, account)
    return list(per_account.keys()) if per_account is not None else []


def account_of_access_key(access_key: str) -> str:
    """moto's ``get_account_id_from``, over the IAM backends already built."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    for account in list(iam_backends.keys()):
        for partition in built_partitions(iam_backends, account):
            if access_key in iam_backends[account][partition].access_keys:
                return str(account)
    return DEFAULT_ACCOUNT_ID


def forget(backend: Any) -> None:
    """Empty a backend that its BackendDict is about to drop."""
    backend.__dict__ = {}


def install() -> None:
    import moto.iam.models
    from moto.core.base_backend import BaseBackend

    backend_class: Any = BaseBackend
    backend_class.reset = forget
    # moto.core.responses imports it from moto.iam.models at each request.
    iam_models: Any = moto.iam.models
    iam_models.get_account_id_from = account_of_access_key
