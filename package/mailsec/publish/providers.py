"""The DNS providers mailsec publishes through, built from the saved settings and secrets.

This is the one place that knows every provider: to add one, write its module (a class with the
`Publisher` methods), add a builder here under the method name it is saved with (`PublishMethod` in
`mailsec.settings`), and its options to `mailsec configure`.
"""

from pathlib import Path
from typing import Callable, Dict, Optional

from mailsec.nameservers import parse_nameserver
from mailsec.publish.publisher import Publisher, PublishError
from mailsec.publish.secretstore import PublishingSecrets, load_secrets
from mailsec.settings import PublishingSettings, PublishMethod


def _rfc2136(publishing: PublishingSettings, secrets: PublishingSecrets) -> Publisher:
    if secrets.tsig is None:
        raise PublishError("no TSIG key is stored for RFC 2136 publishing; give one with "
                           "'mailsec configure ... --tsig-keyfile FILE'.")
    from mailsec.publish.rfc2136 import Rfc2136Publisher  # noqa: PLC0415 - each provider's client only when used

    return Rfc2136Publisher(parse_nameserver(publishing.dns_server), publishing.zone, secrets.tsig)


def _cloudflare(publishing: PublishingSettings, secrets: PublishingSecrets) -> Publisher:
    if not secrets.api_token:
        raise PublishError("no Cloudflare API token is stored; give one with "
                           "'mailsec configure ... --api-token-file FILE'.")
    from mailsec.publish.cloudflare import CloudflarePublisher  # noqa: PLC0415 - requests only when used

    return CloudflarePublisher(publishing.zone, secrets.api_token, publishing.api_url)


BUILDERS: Dict[str, Callable[[PublishingSettings, PublishingSecrets], Publisher]] = {
    PublishMethod.RFC2136.value: _rfc2136,
    PublishMethod.CLOUDFLARE.value: _cloudflare,
}


def build_publisher(publishing: PublishingSettings, secrets: PublishingSecrets) -> Publisher:
    return BUILDERS[publishing.method](publishing, secrets)


def saved_publisher(publishing: PublishingSettings, state_dir: Path) -> Optional[Publisher]:
    """The publisher the settings name, with its secret from the state folder; None for method "none"."""
    if not publishing.automatic:
        return None
    return build_publisher(publishing, load_secrets(state_dir))
