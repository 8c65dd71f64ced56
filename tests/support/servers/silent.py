"""An address where nothing answers, for timeout tests.

TCP connections complete (the kernel accepts them into the listen backlog) and then hear nothing; UDP
datagrams are received and never answered. A client therefore waits for its own timeout, unlike an
address where nothing listens, which refuses at once.
"""

import socket
from typing import List, Sequence

BACKLOG = 128


class SilentHost:
    def __init__(self, address: str, ports: Sequence[int]) -> None:
        self.address = address
        self.ports = tuple(ports)
        self._sockets: List[socket.socket] = []

    def __enter__(self) -> "SilentHost":
        try:
            for port in self.ports:
                listener = self._socket(socket.SOCK_STREAM, port)
                listener.listen(BACKLOG)
                self._socket(socket.SOCK_DGRAM, port)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for held in self._sockets:
            held.close()
        self._sockets.clear()

    def _socket(self, kind: int, port: int) -> socket.socket:
        held = socket.socket(socket.AF_INET, kind)
        self._sockets.append(held)
        held.bind((self.address, port))
        return held
