"""The loopback allocator: addresses unique across test runs, with their ports free."""

import random
import socket
from pathlib import Path

import pytest

from tests.support.servers.loopback import LoopbackPool, ports_are_free

pytestmark = pytest.mark.servers


def test_an_address_claimed_by_one_run_is_not_handed_to_another(tmp_path: Path) -> None:
    # Two runs whose random choices coincide: the second must step past the first one's address.
    with LoopbackPool(tmp_path, random.Random(7)) as first, LoopbackPool(tmp_path, random.Random(7)) as other:
        taken = first.address([53])
        assert other.address([53]) != taken


def test_a_released_address_can_be_claimed_again(tmp_path: Path) -> None:
    with LoopbackPool(tmp_path, random.Random(7)) as first, LoopbackPool(tmp_path, random.Random(7)) as other:
        taken = first.address([53])
        first.release(taken)
        assert other.address([53]) == taken


def test_the_claim_ends_with_the_pool(tmp_path: Path) -> None:
    with LoopbackPool(tmp_path, random.Random(7)) as first:
        taken = first.address([53])
    with LoopbackPool(tmp_path, random.Random(7)) as second:
        assert second.address([53]) == taken


def test_an_address_whose_port_is_in_use_is_skipped(tmp_path: Path) -> None:
    with LoopbackPool(tmp_path / "probe", random.Random(7)) as probe:
        busy = probe.address([25])  # where a pool with this seed looks first
    with socket.socket() as squatter:
        squatter.bind((busy, 25))
        squatter.listen()
        with LoopbackPool(tmp_path, random.Random(7)) as pool:
            assert pool.address([25]) != busy


def test_ports_are_free_sees_tcp_and_udp_listeners(loopback: LoopbackPool) -> None:
    address = loopback.address([53])
    assert ports_are_free(address, [53])
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as holder:
            holder.bind((address, 53))
            assert not ports_are_free(address, [53])
    loopback.release(address)


def test_shared_ports_on_127_0_0_1_are_unique_and_free(loopback: LoopbackPool) -> None:
    ports = [loopback.shared_port() for _ in range(5)]
    assert len(set(ports)) == 5
    assert {endpoint.host for endpoint in ports} == {"127.0.0.1"}
    assert all(ports_are_free(endpoint.host, [endpoint.port]) for endpoint in ports)
    for endpoint in ports:
        loopback.release(endpoint.host, endpoint.port)
    assert not loopback.claimed & set(ports)
