"""Check digits of the numbers JG281 reports: a random number rarely passes them.

Each function takes the number as written (or its digits) and says whether its check
holds: payment cards (Luhn, ISO/IEC 7812, with the networks' IIN ranges), IBANs
(ISO 13616 lengths, ISO 7064 mod-97), Spanish DNI/NIE (mod 23), Brazilian CPF (two
mod-11 digits), Aadhaar (Verhoeff), Chinese resident ids (GB 11643-1999, MOD 11-2).
"""

from __future__ import annotations


def luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# IIN ranges (ISO/IEC 7812 prefixes as the networks publish them) and their lengths.
_CARD_RANGES: tuple[tuple[int, int, int, tuple[int, ...]], ...] = (
    # (prefix digits, low, high, lengths)
    (1, 4, 4, (13, 16, 19)),  # Visa
    (2, 51, 55, (16,)),  # Mastercard
    (4, 2221, 2720, (16,)),  # Mastercard 2-series
    (2, 34, 34, (15,)),  # American Express
    (2, 37, 37, (15,)),
    (4, 6011, 6011, (16, 17, 18, 19)),  # Discover
    (3, 644, 649, (16, 17, 18, 19)),
    (2, 65, 65, (16, 17, 18, 19)),
    (4, 3528, 3589, (16, 17, 18, 19)),  # JCB
    (3, 300, 305, (14, 15, 16, 17, 18, 19)),  # Diners Club
    (2, 36, 36, (14, 15, 16, 17, 18, 19)),
    (2, 38, 39, (16, 17, 18, 19)),
    (2, 62, 62, (16, 17, 18, 19)),  # UnionPay
    (4, 2200, 2204, (16, 17, 18, 19)),  # Mir
)


def card_number(digits: str) -> bool:
    """A known network's IIN at a length it issues, and the Luhn check digit."""
    ranged = any(
        low <= int(digits[:size]) <= high and len(digits) in lengths
        for size, low, high, lengths in _CARD_RANGES
    )
    return ranged and luhn(digits)


# IBAN length per country (the SWIFT IBAN Registry of ISO 13616).
_IBAN_TABLE = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 "
    "DK18 DO28 EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 "
    "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 "
    "ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 "
    "SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20"
)
IBAN_LENGTHS = {entry[:2]: int(entry[2:]) for entry in _IBAN_TABLE.split()}


def iban(text: str) -> str | None:
    """The IBAN ``text`` starts with (spaces dropped) when its length and mod-97 hold."""
    compact = text.replace(" ", "")
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return None
    code = compact[:length]
    rearranged = code[4:] + code[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return code if int(number) % 97 == 1 else None


def dni(text: str) -> bool:
    """Spanish DNI/NIE: the letter is the number mod 23 (NIE: X, Y, Z stand for 0-2)."""
    compact = text.replace("-", "")
    number = "XYZ".index(compact[0]) if compact[0] in "XYZ" else None
    digits = (str(number) + compact[1:-1]) if number is not None else compact[:-1]
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(digits) % 23] == compact[-1]


def cpf(text: str) -> bool:
    """Brazilian CPF: two mod-11 check digits (and not one digit repeated)."""
    digits = [int(c) for c in text if c.isdigit()]
    if len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(d * (size + 1 - i) for i, d in enumerate(digits[:size]))
        if (total * 10 % 11) % 10 != digits[size]:
            return False
    return True


_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff(digits: str) -> bool:
    """Aadhaar's check digit (Verhoeff's dihedral-group scheme)."""
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(char)]]
    return check == 0


def china_id(digits: str) -> bool:
    """GB 11643-1999: 17 digits (a plausible birth date at 7-14) and an ISO 7064
    MOD 11-2 check character."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(digits[:17]))
    return "10X98765432"[total % 11] == digits[17]
