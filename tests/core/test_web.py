"""Unit tests for which addresses an outbound request may reach (`models.briefings.web`)."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from models.briefings.web import public_address, public_or_on_premises_address

NEVER = [
    "127.0.0.1",  # loopback
    "127.8.9.10",
    "::1",
    "0.0.0.0",  # unspecified
    "0.1.2.3",  # "this network"
    "::",
    "169.254.169.254",  # link-local: AWS, GCP, Azure, OpenStack metadata
    "169.254.170.2",  # ECS task metadata
    "fe80::1",
    "fd00:ec2::254",  # AWS metadata over IPv6, inside the unique-local range
    "224.0.0.1",  # multicast
    "ff02::1",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "100.100.100.200",  # Alibaba Cloud's metadata service, inside the shared address space
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "fec0::1",  # deprecated site-local
]
ON_PREMISES = [
    "10.1.2.3",
    "172.16.0.10",
    "172.31.255.254",
    "192.168.1.20",
    "100.64.1.2",  # shared address space: carrier-grade NAT, overlay networks
    "192.0.2.10",  # documentation and benchmarking ranges, which labs use for their own networks
    "198.18.0.1",
    "fd12:3456:789a::1",
    "::ffff:10.0.0.5",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "142.250.185.78", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", NEVER)
def test_loopback_link_local_metadata_and_special_addresses_are_never_reached(address: str) -> None:
    """Whatever the setting, these are refused (IPv4 carried in IPv6 is judged by the IPv4 address)."""
    assert not public_address(ip_address(address))
    assert not public_or_on_premises_address(ip_address(address))


@pytest.mark.parametrize("address", ON_PREMISES)
def test_private_network_addresses_are_reached_only_when_allowed(address: str) -> None:
    """RFC 1918, unique-local IPv6 and other unrouted ranges: refused by default, reached with
    CALENDAR_ALLOW_PRIVATE_ADDRESSES."""
    assert not public_address(ip_address(address))
    assert public_or_on_premises_address(ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_reached(address: str) -> None:
    """Addresses on the internet, IPv4 or IPv6, are reached either way."""
    assert public_address(ip_address(address))
    assert public_or_on_premises_address(ip_address(address))
