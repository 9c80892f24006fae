"""How many SMS segments a text takes: GSM-7 160 (153 per part), UCS-2 70 (67 per part)."""

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the GSM-7 extension table take an escape and so two septets.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
# Issue 4: every message we send is kept to one or two segments.
MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    """Whether the text fits the GSM-7 alphabet (otherwise it goes as UCS-2, e.g. any Chinese)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def sms_segments(text: str) -> int:
    """Segments the text is billed and sent as."""
    if is_gsm7(text):
        units = len(text) + sum(1 for ch in text if ch in GSM7_EXTENDED)
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
    if units <= single:
        return 1
    return math.ceil(units / part)
