"""The documents Blend files in the channel's Files: a workbook or document per step when it closes,
and the final report when the trajectory closes. Pure builders (openpyxl, python-docx) from what the
step stored; the texts come from the catalogs in the language set by ``cards.texts.speaking``."""
