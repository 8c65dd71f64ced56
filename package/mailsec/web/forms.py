"""Reading the app's forms: bounded text fields, lists of names and whole numbers.

Each field is capped, so an oversized value is refused with a sentence instead of reaching the core
validators; what the value means (a valid host name, an allowed max_age) is then judged by those same
core validators the CLI uses, never by a second copy here.
"""

import re
from typing import Mapping, Tuple

from mailsec.web.i18n import Text, text

MAX_FIELD_CHARS = 1024
MAX_NAMES = 32
_SEPARATORS = re.compile(r"[\s,;]+")


class FormError(ValueError):
    def __init__(self, message: Text) -> None:
        super().__init__(message.key)
        self.message = message


def field(form: Mapping[str, str], name: str, max_chars: int = MAX_FIELD_CHARS) -> str:
    value = form.get(name, "")
    if len(value) > max_chars:
        raise FormError(text("form.too_long", field=name, limit=max_chars))
    if any(ord(character) < 0x20 and character not in "\t\r\n" for character in value):
        raise FormError(text("form.control_characters", field=name))
    return value.strip()


def names(form: Mapping[str, str], name: str) -> Tuple[str, ...]:
    """A list of names separated by spaces, commas, semicolons or line ends, in order, without repeats."""
    items = tuple(dict.fromkeys(item for item in _SEPARATORS.split(field(form, name)) if item))
    if len(items) > MAX_NAMES:
        raise FormError(text("form.too_many", field=name, limit=MAX_NAMES))
    return items


def whole_number(form: Mapping[str, str], name: str) -> int:
    value = field(form, name, 12)
    if not value.isdigit() or not value.isascii():
        raise FormError(text("form.not_a_number", field=name))
    return int(value)
