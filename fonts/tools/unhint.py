#!/usr/bin/env python3
"""Makes the project's print fonts from Liberation Sans 2.1.5: hinting removed, renamed.

Why: TrueType hinting (the fpgm/prep/cvt tables and each glyph's instructions)
is for screen rasterizers at small pixel sizes; PDF viewers and printers do
not need it, and it was about 45 % of every embedded font subset. Without it
the per-document PDFs are about a third smaller, and the run writes, hashes
and compresses that much less.

The SIL Open Font License reserves the name "Liberation" (and Arimo, Tinos,
Cousine): a modified version must carry another name, so these are
"SSPS Sans". Glyphs, metrics, kerning and OpenType layout are unchanged.

Usage (a maintainer's tool; the build does not run it):
    apt-get install fonts-liberation2   # 2.1.5, the version these were made from
    pip install fonttools==4.*
    python3 fonts/tools/unhint.py /usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf fonts/SspsSans-Regular.ttf
    python3 fonts/tools/unhint.py /usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf fonts/SspsSans-Bold.ttf
"""
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "SSPS Sans"
NOTE = "Modified by the ssps project in 2026: TrueType hinting removed, renamed from Liberation Sans."


def main(src: str, dst: str) -> None:
    font = TTFont(src)
    options = subset.Options()
    options.hinting = False
    options.glyph_names = True
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_legacy = True
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.legacy_kern = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder())
    subsetter.subset(font)
    if "gasp" in font:
        # Smooth at every size: there are no instructions to apply.
        font["gasp"].gaspRange = {0xFFFF: 0x000A}

    style = font["name"].getDebugName(2)
    ps_style = style.replace(" ", "")
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            names.setName(f"{FAMILY} {style}; {NOTE}", 3, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(f"{FAMILY} {style}" if style != "Regular" else FAMILY, 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(f"SSPSSans-{ps_style}", 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 0:
            names.setName(f"{record.toUnicode()} {NOTE}", 0, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (7, 18):
            # Liberation's trademark notice does not apply to the renamed font.
            names.removeNames(nameID=record.nameID)
    font.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
