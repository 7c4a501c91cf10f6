"""A small English inflector: a verb's lemma to its -ing form (``hug`` -> ``hugging``).

Rules for the regular cases plus a short list of exceptions; enough for interaction
verbs without WordNet or lemminflect.
"""

from __future__ import annotations

_IRREGULAR = {
    "be": "being", "see": "seeing", "flee": "fleeing", "agree": "agreeing", "free": "freeing",
    "ski": "skiing", "die": "dying", "lie": "lying", "tie": "tying", "vie": "vying",
    "dye": "dyeing", "singe": "singeing", "age": "ageing", "hoe": "hoeing", "toe": "toeing",
    "canoe": "canoeing", "shoe": "shoeing", "eye": "eyeing", "bus": "busing",
    "panic": "panicking", "picnic": "picnicking", "mimic": "mimicking", "traffic": "trafficking",
    "frolic": "frolicking",
}  # fmt: skip

# Two-syllable verbs stressed on the last syllable double their final consonant.
_DOUBLE_FINAL = {
    "admit", "begin", "commit", "compel", "confer", "control", "defer", "deter", "equip",
    "expel", "forbid", "forget", "incur", "occur", "omit", "patrol", "permit", "prefer",
    "propel", "rebel", "recur", "refer", "regret", "submit", "transmit", "upset", "outrun",
    "embed", "kidnap", "unwrap", "handicap", "overlap", "worship",
}  # fmt: skip

_VOWELS = set("aeiou")


def _syllables(word: str) -> int:
    groups, prev = 0, False
    for ch in word:
        v = ch in _VOWELS or ch == "y"
        groups += v and not prev
        prev = v
    return max(groups, 1)


def gerund(lemma: str) -> str:
    """The -ing form of a verb given as its lemma (lower case; phrasal particles kept as is)."""
    word = lemma.strip().lower()
    if not word:
        return word
    if " " in word:  # "pick up" -> "picking up"
        head, rest = word.split(" ", 1)
        return f"{gerund(head)} {rest}"
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if (
        word.endswith("ing")
        and len(word) > 5
        and word
        not in {"sing", "bring", "string", "swing", "sting", "ring", "cling", "fling", "sling", "wring", "spring"}
    ):
        return word  # already inflected
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith(("ee", "ye", "oe")):
        return word + "ing"
    if word.endswith("e") and len(word) > 2:
        return word[:-1] + "ing"
    if word in _DOUBLE_FINAL or (
        len(word) >= 3
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
        and _syllables(word) == 1
    ):
        return word + word[-1] + "ing"
    if word.endswith("c") and _syllables(word) > 1:
        return word + "king"
    return word + "ing"
