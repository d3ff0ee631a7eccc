#!/usr/bin/env python3
"""Engine install figures: cold (download, verify, unpack, version check) and warm (found in
the tool cache), for Terraform and OpenTofu, from the local release site on loopback.

    .venv/bin/python scripts/bench_engine_install.py [--runs N]

Loopback hides the network: on a runner, add the archive's transfer time (Terraform's zip
is about 30 MB, OpenTofu's about 25 MB). The signature check and hashing are what remain."""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
from tests.fakes.release_site import built_engines, running_site  # noqa: E402

from slipway.terraform.engine_choice import choose_engine  # noqa: E402
from slipway.terraform.engine_install import InstallSettings, install_engine  # noqa: E402
from slipway.terraform.engine_releases import platform_names  # noqa: E402
from slipway.terraform.openpgp import verify_detached  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    os_name, arch = platform_names(platform.system(), platform.machine())
    builds = built_engines(ROOT)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_site(Path(tmp) / "site", builds, os_name, arch) as site,
    ):
        print(f"{'engine':<22} {'cold (s)':>9} {'warm (ms)':>10} {'signature (ms)':>15}")
        for build in builds:
            cold, warm = [], []
            for run in range(runs):
                settings = InstallSettings(
                    tool_cache=Path(tmp) / f"cache-{build.engine}-{run}",
                    os_name=os_name,
                    arch=arch,
                    mirror=site.url,
                    signing_key=site.key_file.read_text(),
                    fingerprint=site.site.key.fingerprint,
                )
                choice = choose_engine(Path(tmp), Path(tmp), build.engine, build.version)
                started = time.perf_counter()
                install_engine(choice, settings, lambda line: None)
                cold.append(time.perf_counter() - started)
                started = time.perf_counter()
                found = install_engine(choice, settings, lambda line: None)
                warm.append(time.perf_counter() - started)
                assert found.cached
            release = site.site.releases[(build.engine, build.version)]
            sums, signature = release.sums.read_bytes(), release.signature.read_bytes()
            started = time.perf_counter()
            verify_detached(sums, signature, site.key_file.read_bytes(), site.site.key.fingerprint)
            verify_ms = (time.perf_counter() - started) * 1000
            print(
                f"{build.engine + ' ' + build.version:<22} {statistics.median(cold):>9.2f} "
                f"{statistics.median(warm) * 1000:>10.2f} {verify_ms:>15.1f}"
            )
        size = {b.engine: b.binary.stat().st_size // (1 << 20) for b in builds}
        print(f"(median of {runs}; binaries {size} MiB unpacked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
