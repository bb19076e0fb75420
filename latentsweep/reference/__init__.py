"""The documentation's reference, generated from the code: every config key (`config`), registry entry
(`registries`), CLI option, stored column and public name, as MyST pages (`pages.write_pages`)."""

from .config import CONFIG_KINDS, Key, KeyTable
from .pages import PAGES, write_pages
from .registries import REGISTRIES, Entry, entries

__all__ = ["CONFIG_KINDS", "PAGES", "REGISTRIES", "Entry", "Key", "KeyTable", "entries", "write_pages"]
