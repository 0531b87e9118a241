"""State in a link: JSON values packed into a short URL-safe token, and unpacked safely.

A token is compact JSON, deflated, base64url without padding. Unpacking treats the token
as untrusted: a length limit before decoding, a bounded decompression (a small token must
not inflate to gigabytes), and any fault reported as one `LinkError`.
"""

import base64
import binascii
import json
import zlib
from typing import Any, Final

MAX_TOKEN_CHARS: Final = 4_000
MAX_INFLATED: Final = 64_000


class LinkError(ValueError):
    """A token that cannot be read: damaged, truncated, too long or not JSON."""


def pack(value: Any) -> str:
    """Return `value` (JSON-ready) as a URL-safe token.

    Example:
        >>> token = pack([3, "A"])
        >>> unpack(token), token.isascii(), "=" in token
        ([3, 'A'], True, False)
    """
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def unpack(token: str, max_chars: int = MAX_TOKEN_CHARS) -> Any:
    """Return the JSON value in a token made by `pack`; raise LinkError when it is damaged.

    Example:
        >>> unpack(pack({"a": 1}))
        {'a': 1}
        >>> unpack("not a token")
        Traceback (most recent call last):
        ...
        nsm_core.links.LinkError: damaged link token
    """
    if not token or len(token) > max_chars:
        raise LinkError("damaged link token")
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_INFLATED)
        if inflater.unconsumed_tail or not inflater.eof:
            raise LinkError("damaged link token")
        return json.loads(raw)
    except (binascii.Error, ValueError, RecursionError, zlib.error):
        raise LinkError("damaged link token") from None
