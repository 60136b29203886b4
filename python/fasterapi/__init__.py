"""FasterAPI for Python: sans-IO protocol machines written in Rust.

- :mod:`fasterapi.http1`: an h11-compatible HTTP/1.1 ``Connection``.

Nothing here does I/O or imports asyncio.
"""

__version__ = "0.1.0"
