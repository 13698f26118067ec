"""The company's own vocabulary: case types, interaction channels, segments, product
categories and sales channels are picklists the company keeps, not fixed lists.

A load records the values it brings in an open list and refuses them in a closed one
(``gcrm vocab close FIELD``); ``gcrm load ... --value FIELD:SOURCE=TARGET`` maps a file's
words onto the list's. What stays fixed (account status and kind, case status, consent
channels) says why. See docs/loading.md.

>>> from gcrm import vocab
>>> vocab.add("case_type", "review", label="Product review")   # doctest: +SKIP
>>> vocab.close("case_type")                                    # doctest: +SKIP
"""

from gcrm.vocab.fields import VOCABULARIES, WHY_FIXED, Vocabulary, for_field, vocabulary
from gcrm.vocab.lists import (
    VocabList,
    add,
    close,
    lists,
    normalised,
    record_loaded,
    rename,
    reopen,
    summary,
    value_names,
    values,
)

__all__ = ["VOCABULARIES", "WHY_FIXED", "VocabList", "Vocabulary", "add", "close", "for_field",
           "lists", "normalised", "record_loaded", "rename", "reopen", "summary", "value_names",
           "values", "vocabulary"]
