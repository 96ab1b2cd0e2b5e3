"""Principal names a person could misread: look-alikes of another name, names mixing scripts, and the names
reserved for the local serving API's admin and built-in groups (docs/security.md#principal-names).

Pure. :func:`skeleton` folds what makes two names look alike to a reader: compatibility forms (fullwidth
letters), case, accents and other combining marks, spaces and invisible characters, and the common Cyrillic,
Greek and Armenian letters drawn like Latin ones (CYRILLIC SMALL LETTER A, U+0430, reads as ``a``), plus ``0``/``1``/``rn`` read as
``o``/``l``/``m``. Two different names with the same skeleton are *confusable*.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

ADMIN_USER = "admin"  # the admin token's principal in the local serving API
ADMINS_GROUP = "admins"  # holds MANAGE / CAN_MANAGE on everything
ALL_USERS_GROUP = "users"  # every principal is a member
BUILT_IN_GROUPS = (ADMINS_GROUP, ALL_USERS_GROUP)

# Letters of other scripts drawn like a Latin letter (upper and lower case), by the Latin letter they read as;
# escaped, so that this file shows no look-alike itself.
_READS_AS = {
    "a": "\u0430\u03b1\u0251",
    "b": "\u0412\u0392\u042c",
    "c": "\u0441\u03f2\u0421\u03f9",
    "d": "\u0501",
    "e": "\u0435\u0415\u0395",
    "g": "\u0261",
    "h": "\u04bb\u041d\u0397\u0570",
    "i": "\u0456\u0406\u0399\u03b9\u04cf",
    "j": "\u0458\u0408",
    "k": "\u043a\u041a\u039a\u03ba",
    "l": "\u04c0",
    "m": "\u041c\u039c",
    "n": "\u039d\u0578\u0548",
    "o": "\u043e\u041e\u03bf\u039f\u0585\u0555",
    "p": "\u0440\u0420\u03c1\u03a1",
    "q": "\u051b",
    "s": "\u0455\u0405",
    "t": "\u0422\u03a4\u03c4",
    "u": "\u03c5\u057d\u054d",
    "v": "\u03bd",
    "w": "\u051d",
    "x": "\u0445\u0425\u03c7\u03a7",
    "y": "\u0443\u0423\u03a5\u04af",
    "z": "\u0396",
}
_ASCII_LOOK_ALIKES = {"0": "o", "1": "l", "|": "l"}
_LATIN_OF = str.maketrans(
    {other: latin for latin, others in _READS_AS.items() for other in others} | _ASCII_LOOK_ALIKES
)
_INVISIBLE = {"Mn", "Me", "Cf", "Cc", "Zs", "Zl", "Zp"}  # combining marks, format characters, spaces
_SCRIPT_FAMILIES = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}  # written together in one name


@lru_cache(maxsize=4096)  # grant checks ask for the same few names again and again
def skeleton(name: str) -> str:
    """What ``name`` looks like, folded: equal skeletons read alike."""
    decomposed = unicodedata.normalize("NFKD", name)
    visible = "".join(c for c in decomposed if unicodedata.category(c) not in _INVISIBLE and not c.isspace())
    return visible.translate(_LATIN_OF).casefold().translate(_LATIN_OF).replace("rn", "m")


def scripts(name: str) -> list[str]:
    """The scripts of the letters of ``name`` (``LATIN``, ``CYRILLIC``, ``GREEK``, ...), sorted."""
    found = set()
    for char in unicodedata.normalize("NFKC", name):
        if unicodedata.category(char).startswith("L"):
            script = unicodedata.name(char, "UNKNOWN").split()[0]
            found.add(_SCRIPT_FAMILIES.get(script, script))
    return sorted(found)


def confusable(name: str, other: str) -> bool:
    """True when two different names read alike."""
    return name != other and skeleton(name) == skeleton(other)


def reserved_name_problem(name: str, *, group: bool = False) -> str | None:
    """Why ``name`` may not be taken by a token's principal (``group``: one of its groups), or None.

    No user or service principal may be named like the admin or a built-in group (any case, spacing or
    look-alike letters), so no grant made to the admin or to a group can match a user by its name. A group
    may be exactly ``admins`` (it makes its members admins) or ``users``, never a look-alike of either, and
    never one of the admin's name."""
    folded = skeleton(name)
    if folded == skeleton(ADMIN_USER):
        like = "is" if name == ADMIN_USER else "reads as"
        return f"{name!r} is reserved: it {like} {ADMIN_USER!r}, the admin token's principal; choose another name"
    for built_in in BUILT_IN_GROUPS:
        if folded == skeleton(built_in) and not (group and name == built_in):
            like = "is" if name == built_in else "reads as"
            return f"{name!r} is reserved: it {like} the built-in group {built_in!r}; choose another name"
    return None


def name_warnings(names: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """For each of ``names`` a person could misread, why: it mixes scripts, or it reads like another name of
    ``names`` or ``known`` (the principals already granted, the caller), written with ``ascii()`` so that the
    difference shows (``'\\u0430lice'``)."""
    names = list(dict.fromkeys(names))
    others = list(dict.fromkeys([*names, *known]))
    warnings = {}
    for name in names:
        reasons = []
        if len(mixed := scripts(name)) > 1:
            reasons.append(f"mixes {' and '.join(s.title() for s in mixed)} letters")
        if look_alikes := [other for other in others if confusable(name, other)]:
            reasons.append("reads like " + ", ".join(ascii(other) for other in look_alikes))
        if reasons:
            warnings[name] = "; ".join(reasons)
    return warnings
