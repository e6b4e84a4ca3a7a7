"""Stubs of the native module ``wxkf._wxkf`` (internal; use the ``wxkf`` package)."""

from typing import Any, Awaitable, Dict, List, Mapping, Optional, final

__version__: str

@final
class Core:
    def __new__(
        cls,
        source: str,
        *,
        appid: Optional[str] = None,
        secret: Optional[str] = None,
        token: Optional[str] = None,
        provider: Optional[Any] = None,
        base_url: Optional[str] = None,
        store: Optional[Any] = None,
        redis_url: Optional[str] = None,
        max_attempts: int = 3,
        retry_writes: bool = False,
        timeout_secs: float = 15.0,
        connect_timeout_secs: float = 5.0,
    ) -> "Core": ...
    def call(self, op: str, args: Dict[str, Any], data: Optional[bytes] = None) -> Any: ...
    def call_async(self, op: str, args: Dict[str, Any], data: Optional[bytes] = None) -> Awaitable[Any]: ...
    def token_fetches(self) -> int: ...
    def records(self, start: int, end: int, page_size: int = 10000) -> "RecordWalk": ...
    def resume_records(self, cursor: Mapping[str, Any], page_size: int = 10000) -> "RecordWalk": ...

@final
class RecordWalk:
    def next_page(self) -> List[Dict[str, Any]]: ...
    def next_page_async(self) -> Awaitable[List[Dict[str, Any]]]: ...
    def cursor(self) -> Optional[Dict[str, Any]]: ...

@final
class ReplayGuard:
    def __new__(cls, capacity: int = 100000, window_secs: int = 300) -> "ReplayGuard": ...
    def __len__(self) -> int: ...

def check_url(config: Mapping[str, Any], query: Mapping[str, Any], now: int) -> str: ...
def open_push(
    config: Mapping[str, Any],
    query: Mapping[str, Any],
    body: bytes,
    now: int,
    guard: Optional[ReplayGuard] = None,
) -> Dict[str, Any]: ...
def build_reply(
    config: Mapping[str, Any],
    opened: Mapping[str, Any],
    reply: Mapping[str, Any],
    now: int,
    nonce: str,
    random16: bytes,
) -> str: ...
def catalogue() -> List[Dict[str, Any]]: ...
def reset_logging() -> None: ...
