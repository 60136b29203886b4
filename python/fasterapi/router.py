"""The Rust path router with method dispatch.

>>> from fasterapi.router import Router
>>> r = Router()
>>> r.insert("GET", "/users/{id}", "show")
>>> r.at("GET", "/users/42")
('show', {'id': '42'})

Routes: static segments, ``{name}`` parameters and a final ``{*rest}`` catch-all; conflicting
routes raise :class:`RouteError` at insert. A miss raises :class:`NoMatch` with
``status`` 404, or 405 and ``allowed`` (the ``Allow`` header value).
"""

from typing import Any, Dict, Tuple
from urllib.parse import unquote

from . import _fasterapi

__all__ = ["Router", "RouteError", "NoMatch"]

RouteError = _fasterapi.RouteError


class NoMatch(LookupError):
    """No route for this path (``status`` 404) or method (405, with ``allowed``)."""

    def __init__(self, message: str, status: int, allowed: str) -> None:
        super().__init__(message)
        self.status = status
        self.allowed = allowed


class Router:
    """Build with :meth:`insert`, then look up with :meth:`at` (the first lookup freezes it)."""

    def __init__(self) -> None:
        self._r = _fasterapi.Router()

    def insert(self, method: str, route: str, value: Any) -> None:
        """Adds ``route`` for ``method`` (``"*"``: any method)."""
        self._r.insert(method, route, value)

    def at(self, method: str, path: str, decode: bool = True) -> Tuple[Any, Dict[str, str]]:
        """The value and parameters (percent-decoded unless ``decode=False``) for ``path``."""
        try:
            value, params = self._r.at(method, path)
        except _fasterapi.NoMatch as e:
            raise NoMatch(*e.args) from None
        if decode:
            for k, v in params.items():
                if "%" in v:
                    params[k] = unquote(v, errors="strict")
        return value, params
