"""The local Docker engine's network bridge: a name and a 10.213.x.0/24 subnet derived from
its state directory, so engines started side by side (one per test worker) never share or
fight over a network. Separate from the engine because it is host networking (``ip``, root).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path


def _digest(directory: Path) -> bytes:
    return hashlib.sha256(str(directory.resolve()).encode()).digest()


def bridge_name(directory: Path) -> str:
    return "slw" + _digest(directory)[:4].hex()


def pick_subnet(name: str, first: int, addresses: str) -> str | None:
    """The bridge address: the first 10.213.x.1/24 from x = ``first`` on (wrapping round) that
    is already ``name``'s or that no interface in ``addresses`` (``ip -4 -o addr show``) uses;
    None when every one is taken."""
    for offset in range(256):
        subnet = f"10.213.{(first + offset) % 256}"
        mine = f" {name} " in addresses and f"inet {subnet}.1/" in addresses
        if mine or f"inet {subnet}." not in addresses:
            return f"{subnet}.1/24"
    return None


def bridge_for(directory: Path) -> tuple[str, str]:
    """A bridge name and subnet private to one state directory, so engines don't collide."""
    used = subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True
    ).stdout
    name = bridge_name(directory)
    address = pick_subnet(name, _digest(directory)[4], used)
    if address is None:
        raise SystemExit("no free 10.213.x.0/24 subnet for a docker bridge")
    return name, address


def ensure_bridge(name: str, address: str) -> None:
    shown = subprocess.run(["ip", "link", "show", name], capture_output=True, check=False)
    if shown.returncode != 0:
        subprocess.run(["ip", "link", "add", name, "type", "bridge"], check=True)
    addresses = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "dev", name], capture_output=True, text=True, check=True
    ).stdout
    if f"inet {address} " not in addresses:
        subprocess.run(["ip", "addr", "flush", "dev", name], check=True)
        subprocess.run(["ip", "addr", "add", address, "dev", name], check=True)
    subprocess.run(["ip", "link", "set", name, "up"], check=True)


def delete_bridge(directory: Path) -> None:
    if shutil.which("ip"):
        subprocess.run(
            ["ip", "link", "del", bridge_name(directory)], capture_output=True, check=False
        )
