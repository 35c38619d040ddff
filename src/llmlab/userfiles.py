"""Reading a file the user named, with every way that can fail turned into one clear line."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from llmlab.errors import LlmlabError

MAX_NAME_BYTES = 255


def read_text(path: str | Path, what: str, max_bytes: int = 16 * 2**20) -> str:
    """The UTF-8 text of a regular file (a byte-order mark is dropped), at most ``max_bytes`` long.

    Folders, devices, /proc files, unreadable, binary, oversized or missing files are refused with
    a message that names ``what`` the file was meant to be.
    """
    text = str(path)
    if not text.strip():
        raise LlmlabError(f"{what}: the path is empty")
    if "\x00" in text:
        raise LlmlabError(f"{what}: the path contains a NUL byte")
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for part in Path(text).parts):
        raise LlmlabError(f"{what} {text[:60]!r}...: a file or folder name is longer than {MAX_NAME_BYTES} bytes")
    try:
        info = Path(text).stat()
        if not stat.S_ISREG(info.st_mode) or Path(text).resolve().parts[1:2] in (("proc",), ("sys",)):
            raise LlmlabError(f"{what} {text!r} is not a regular file: pass the path of a file")
        if info.st_size > max_bytes:
            raise LlmlabError(f"{what} {text!r} is {info.st_size:,} bytes; the limit is {max_bytes:,}")
        data = Path(text).read_bytes()
    except FileNotFoundError:
        raise LlmlabError(f"{what} {text!r} does not exist") from None
    except PermissionError:
        raise LlmlabError(f"{what} {text!r} is not readable: check its permissions") from None
    except OSError as error:
        reason = "a name in it is too long" if error.errno == errno.ENAMETOOLONG else error.strerror
        raise LlmlabError(f"{what} {text[:60]!r} cannot be read ({reason})") from None
    if len(data) > max_bytes:
        raise LlmlabError(f"{what} {text!r} grew past {max_bytes:,} bytes while being read")
    if b"\x00" in data:
        raise LlmlabError(f"{what} {text!r} is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LlmlabError(f"{what} {text!r} is not UTF-8 text") from None
