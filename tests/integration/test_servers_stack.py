"""A stack with one server of each kind leaves nothing behind: no process, no directory, no claim."""

import pytest

from tests.support.pki import CertificateAuthority
from tests.support.servers import POLICY_PATH, HttpsSite, LoopbackPool, ServerStack, SmtpService, Zone
from tests.support.servers.loopback import ports_are_free
from tests.support.servers.process import live_group_members

pytestmark = pytest.mark.servers


def test_all_servers_start_and_nothing_remains_after_close(server_ca: CertificateAuthority) -> None:
    certificate = server_ca.server_certificate("mail.example.nl", "mta-sts.example.nl")
    site = HttpsSite(["mta-sts.example.nl"], certificate, files={POLICY_PATH: b"version: STSv1\r\n"})
    with LoopbackPool() as pool:
        with ServerStack(pool) as stack:
            bind = stack.bind()
            anchor = bind.serve_signed(Zone("example.nl", bind.address.host).a("mail", "127.40.0.1"))
            servers = [
                bind,
                stack.unbound(bind, [anchor]),
                stack.nginx([site]),
                stack.postfix(SmtpService("mail.example.nl", certificate)),
                stack.dovecot(certificate, {"reports": "secret"}),
            ]
            groups = [server.daemon.pid for server in servers]  # each program leads its own process group
            workdir = stack.workdir
            assert all(live_group_members(group) for group in groups)
        assert [live_group_members(group) for group in groups] == [[]] * len(groups)
        assert not workdir.exists()
        assert ports_are_free(bind.listener.host, [bind.listener.port])
        assert pool.claimed == frozenset()
