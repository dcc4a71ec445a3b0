"""Ports (typing.Protocol) for every outside service, with real and offline adapters."""
