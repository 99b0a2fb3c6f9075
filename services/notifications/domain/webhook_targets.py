"""Where a webhook may point. A chapter's leader chooses the URL, but the service makes the request from inside
the operator's network: a URL reaching loopback, a private network or the cloud metadata address
(169.254.169.254) would let a subscriber probe or call what only the service can reach (SSRF). So every
address a target's host resolves to must be public, unless the operator allow-lists the host or the network.

Pure rules: resolving the host (I/O) is the adapters' business (`adapters/webhook_targets.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

REFUSED_ADDRESS = "refused address"


class RefusedTarget(ValueError):
    """A webhook target the rules refuse; the message says which rule, never more than the subscriber sent."""


def refused_rule(address: IPAddress) -> str | None:
    """The rule refusing `address`, or None for a public address. IPv6 forms carrying an IPv4 address
    (IPv4-mapped `::ffff:a.b.c.d`, 6to4) are judged by the IPv4 address they reach."""
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            rule = refused_rule(embedded)
            if rule is not None:
                return rule
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:  # 169.254.0.0/16 holds the cloud metadata service
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:  # shared address space (100.64.0.0/10) and the like
        return "not public"
    return None


def _host_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class Allowance:
    """What the operator lets webhooks reach although the rules refuse it: host names (their every address)
    and addresses or networks (`127.0.0.1`, `10.1.0.0/16`, `::1`)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Allowance:
        """From the comma-separated setting (`NOTIFICATIONS_WEBHOOK_ALLOWED_HOSTS`)."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_host_name(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _host_name(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        for network in self.networks:
            # an allow-listed IPv4 network also allows its IPv4-mapped IPv6 form
            mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
            if address in network or (mapped is not None and mapped in network):
                return True
        return False


def check_scheme(scheme: str, allow_http: bool) -> None:
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    raise RefusedTarget("the URL must use https" if scheme == "http" else "the URL must be http(s)")


def check_addresses(host: str, addresses: list[str], allowance: Allowance) -> None:
    """Refuse when ANY address the host resolves to is refused (one public address among private ones is
    no excuse: the connection may go to either) and not allow-listed."""
    if allowance.allows_host(host):
        return
    for text in addresses:
        address = ip_address(text.split("%", 1)[0])  # a link-local IPv6 address may carry a %zone
        rule = refused_rule(address)
        if rule is not None and not allowance.allows_address(address):
            raise RefusedTarget(f"{REFUSED_ADDRESS} ({rule}): webhooks may only reach public addresses")
