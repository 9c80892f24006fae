"""The answer options the web page shows for each item (SCORING.md §1 scales, §6 Kano options)."""

from django.utils.translation import gettext as _

from surveys.models import ITEM_SCALES, KANO_ITEMS, Item


def choices_for(item: str) -> list[tuple[str, str]]:
    """(value, label) pairs, in the active language."""
    if item == Item.FCR:
        return [("yes", _("Yes")), ("no", _("No"))]
    if item in KANO_ITEMS:
        return [
            ("1", _("I like it")),
            ("2", _("It must be that way")),
            ("3", _("I am neutral")),
            ("4", _("I can live with it")),
            ("5", _("I dislike it")),
        ]
    if item == Item.COMMENT:
        return []
    low, high = ITEM_SCALES[item]
    ends = {
        Item.CSAT: (_("very dissatisfied"), _("very satisfied")),
        Item.NPS: (_("not at all likely"), _("extremely likely")),
        Item.CES: (_("very hard"), _("very easy")),
        Item.EXPECTATION: (_("very low"), _("very high")),
        Item.EXPERIENCE: (_("very poor"), _("excellent")),
        Item.DISCONFIRMATION: (_("much worse than expected"), _("much better than expected")),
    }.get(item)
    labels = []
    for value in range(low, high + 1):
        label = str(value)
        if ends and value == low:
            label = f"{value} · {ends[0]}"
        elif ends and value == high:
            label = f"{value} · {ends[1]}"
        labels.append((str(value), label))
    return labels
