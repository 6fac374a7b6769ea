"""The fetch stage: bounded HTTP and local reads, and decoding bytes to text."""

from .charset import decode, normalize_encoding
from .client import Fetcher, Response

__all__ = ["Fetcher", "Response", "decode", "normalize_encoding"]
