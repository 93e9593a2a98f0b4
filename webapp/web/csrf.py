"""CSRF tokens masked anew in every response, so that compressed pages do not leak them (BREACH).

A page compressed with gzip or brotli that carries a secret next to text the attacker chose (a
search term, a value typed back into a form) gives the secret away byte by byte through the
size of the response. As Django does, the token is therefore never written as it is: each
rendering writes a random pad and the token XOR that pad, both in one field, so the bytes differ
on every response. The check unmasks the field (or the ``X-CSRFToken`` header) before Flask-WTF
validates it, with everything else — session, signature, time limit, error — unchanged.
"""
from __future__ import annotations

import base64
import binascii
import secrets

from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf

PREFIX = "m."  # a masked token; Flask-WTF's own tokens never start with it (base64 of a JSON string: "I…")


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def mask(token: str) -> str:
    """``token`` as pad + (token XOR pad), URL-safe: a different text every time for the same token."""
    raw = token.encode("ascii")
    pad = secrets.token_bytes(len(raw))
    return PREFIX + base64.urlsafe_b64encode(pad + _xor(raw, pad)).decode("ascii").rstrip("=")


def unmask(value: str) -> str:
    """The token a masked ``value`` carries; any other value as it is (Flask-WTF then judges it)."""
    if not value.startswith(PREFIX):
        return value  # a page rendered before masking, or garbage: refused or accepted exactly as before
    body = value.removeprefix(PREFIX)
    try:
        both = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return ""
    half = len(both) // 2
    if not half or len(both) % 2:
        return ""
    try:
        return _xor(both[half:], both[:half]).decode("ascii")
    except UnicodeDecodeError:
        return ""


def masked_csrf() -> str:
    """The session's CSRF token, masked for this one place in this one response (the ``csrf_token()`` global)."""
    return mask(generate_csrf())


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, reading masked tokens and writing ``csrf_token()`` masked."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = masked_csrf
        app.context_processor(lambda: {"csrf_token": masked_csrf})  # after Flask-WTF's, so it wins

    def _get_csrf_token(self) -> str | None:
        token = super()._get_csrf_token()
        return unmask(token) if token else token
