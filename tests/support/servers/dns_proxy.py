"""A DNS relay on a loopback address that passes every message on unchanged, after `delay_ms`.

It gives BIND a face on port 53 of an address of its own (BIND only listens on addresses an interface
carries; see `bind.py`), and with a delay it is the slow network path of `make bench`: each query, over
UDP or TCP, waits `delay_ms` before it goes upstream, and queries in flight wait side by side, so
concurrent lookups overlap as they would on a real network. Messages travel as bytes: TSIG signatures,
EDNS, truncation and zone transfers pass through untouched. `queries` counts what was relayed.
With `tcp=False` it relays UDP only and nothing listens on TCP, like a broken middlebox: a truncated
answer then has no TCP fallback.

It runs an asyncio loop in a thread of the test process, so it needs no program and no work directory.
"""

import asyncio
import threading
from typing import Optional, Set, Tuple

from tests.support.servers.loopback import Endpoint
from tests.support.servers.process import ServerError

DNS_PORT = 53
UPSTREAM_TIMEOUT = 10.0  # seconds an upstream answer may take before the query is dropped
Address = Tuple[str, int]


class DnsProxy:
    PORTS = (DNS_PORT,)

    def __init__(self, address: str, upstream: Endpoint, delay_ms: float = 0.0, tcp: bool = True) -> None:
        self.address = Endpoint(address, DNS_PORT)
        self.upstream = upstream
        self.delay_ms = delay_ms  # may be changed while the proxy runs
        self.tcp = tcp
        self.queries = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"dns-proxy-{address}", daemon=True)
        self._started = threading.Event()
        self._failure: Optional[BaseException] = None

    def __enter__(self) -> "DnsProxy":
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            self._thread.join()
            raise ServerError(f"DNS proxy could not listen on {self.address}: {self._failure}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            udp, _ = self._loop.run_until_complete(self._loop.create_datagram_endpoint(
                lambda: _ClientDatagrams(self), local_addr=(self.address.host, self.address.port)
            ))
            tcp = self._loop.run_until_complete(
                asyncio.start_server(self._relay_stream, self.address.host, self.address.port)
            ) if self.tcp else None
        except OSError as error:
            self._failure = error
            self._started.set()
            self._loop.close()
            return
        self._started.set()
        self._loop.run_forever()
        udp.close()
        closing = []
        if tcp is not None:
            tcp.close()
            closing.append(tcp.wait_closed())
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*closing, *pending, return_exceptions=True))
        self._loop.close()

    async def _hold(self) -> None:
        """Count a query and hold it back for `delay_ms`."""
        self.queries += 1
        await asyncio.sleep(self.delay_ms / 1000)

    async def relay_datagram(self, query: bytes, client: Address, front: asyncio.DatagramTransport) -> None:
        await self._hold()
        answer: asyncio.Future[bytes] = self._loop.create_future()
        back, _ = await self._loop.create_datagram_endpoint(
            lambda: _UpstreamDatagrams(answer), remote_addr=(self.upstream.host, self.upstream.port)
        )
        try:
            back.sendto(query)
            reply = await asyncio.wait_for(answer, UPSTREAM_TIMEOUT)
        except (asyncio.TimeoutError, OSError):
            return  # the client sees a lost datagram, as it would on a network
        finally:
            back.close()
        front.sendto(reply, client)

    async def _relay_stream(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        """DNS over TCP: each length-prefixed query is delayed; answers (several for a transfer) flow back."""
        try:
            upstream_in, upstream_out = await asyncio.open_connection(self.upstream.host, self.upstream.port)
        except OSError:
            client_out.close()
            return
        answers = self._loop.create_task(_copy(upstream_in, client_out))
        try:
            while True:
                prefix = await client_in.readexactly(2)
                query = await client_in.readexactly(int.from_bytes(prefix, "big"))
                await self._hold()
                upstream_out.write(prefix + query)
                await upstream_out.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            upstream_out.close()
            await asyncio.gather(answers, return_exceptions=True)
            client_out.close()


async def _copy(source: asyncio.StreamReader, destination: asyncio.StreamWriter) -> None:
    while True:
        data = await source.read(65536)
        if not data:
            return
        destination.write(data)
        await destination.drain()


class _ClientDatagrams(asyncio.DatagramProtocol):
    def __init__(self, proxy: DnsProxy) -> None:
        self._proxy = proxy
        self._transport: Optional[asyncio.DatagramTransport] = None
        self._relays: Set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Address) -> None:
        assert self._transport is not None
        relay = asyncio.ensure_future(self._proxy.relay_datagram(data, addr, self._transport))
        self._relays.add(relay)
        relay.add_done_callback(self._relays.discard)


class _UpstreamDatagrams(asyncio.DatagramProtocol):
    def __init__(self, answer: "asyncio.Future[bytes]") -> None:
        self._answer = answer

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if not self._answer.done():
            self._answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self._answer.done():
            self._answer.set_exception(exc)
