"""Matching text the way the contract requires.

Labels, province/district names, period labels and indicator names match
ignoring case, accents, extra spaces and Unicode normal form, and text typed
in the legacy Vietnamese font encodings TCVN3 (ABC) and VNI is recognised and
converted.  Legacy text reaches us as the Windows-1252 characters Excel shows
for the font's bytes: TCVN3 "Hậu Giang" is "HËu Giang", VNI is "Haäu Giang".

``fold`` is the comparison key; ``decode_legacy`` converts legacy text only
when that is clearly right (see ``detect_legacy``).  Standard library only.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "decode_legacy",
    "decode_with_font",
    "detect_legacy",
    "encode_tcvn3",
    "encode_vni",
    "fold",
    "fold_words",
    "is_vietnamese_syllable",
    "nearest",
    "similarity",
    "to_nfc",
]

# ---------------------------------------------------------------- tables
# Every Vietnamese vowel (and đ) in Unicode NFC: the bare letter, then its
# five toned forms in the order huyền (grave), hỏi (hook), ngã (tilde),
# sắc (acute), nặng (dot below).  Capitals are the str.upper() of these.
_UNI = ("aàảãáạ", "ăằẳẵắặ", "âầẩẫấậ", "eèẻẽéẹ", "êềểễếệ", "iìỉĩíị",
        "oòỏõóọ", "ôồổỗốộ", "ơờởỡớợ", "uùủũúụ", "ưừửữứự", "yỳỷỹýỵ", "đ")

# TCVN3 = TCVN 5712:1993 "VN3", the ABC charset of the .VnTime/.VnArial fonts,
# written as the cp1252 characters of its bytes, laid out like _UNI (ư is
# byte 0xAD, shown as a soft hyphen).  Toned capitals have no byte of their
# own: they share the lowercase byte (the ".VnTimeH" uppercase fonts draw
# those bytes as capitals).  Only Ă Â Ê Ô Ơ Ư Đ have capital bytes.
_TCVN3 = ("aµ¶·¸¹", "¨»¼½¾Æ", "©ÇÈÉÊË", "eÌÎÏÐÑ", "ªÒÓÔÕÖ", "i×ØÜÝÞ",
          "oßáâãä", "«åæçèé", "¬êëìíî", "uïñòóô", "\xadõö÷øù", "yúûüýþ", "®")
_TCVN3_CAPS = {"Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}

# VNI-Windows (VNI-Times, VNI-Helve, ...), as cp1252 characters, laid out
# like _UNI: a base letter followed by a mark byte (ø ` û ? õ ~ ù ' ï . for a
# plain vowel, â à å ã á ä for circumflex, ê è ú ü é ë for breve); i-tones,
# ỵ, ơ, ư and đ are single bytes.  Capitals are the cp1252 upper() of each
# sequence ("aø" -> "AØ", "ñ" -> "Ñ").
_VNI = (
    ("a", "aø", "aû", "aõ", "aù", "aï"), ("aê", "aè", "aú", "aü", "aé", "aë"),
    ("aâ", "aà", "aå", "aã", "aá", "aä"), ("e", "eø", "eû", "eõ", "eù", "eï"),
    ("eâ", "eà", "eå", "eã", "eá", "eä"), ("i", "ì", "æ", "ó", "í", "ò"),
    ("o", "oø", "oû", "oõ", "où", "oï"), ("oâ", "oà", "oå", "oã", "oá", "oä"),
    ("ô", "ôø", "ôû", "ôõ", "ôù", "ôï"), ("u", "uø", "uû", "uõ", "uù", "uï"),
    ("ö", "öø", "öû", "öõ", "öù", "öï"), ("y", "yø", "yû", "yõ", "yù", "î"),
    ("ñ",),
)


def _pairs(table):
    """(Unicode, legacy) pairs of a table, leaving out the ASCII vowels that encode as themselves."""
    return [(u, c) for ug, cg in zip(_UNI, table) for u, c in zip(ug, cg) if not (u == c and u.isascii())]


_TCVN3_ENC = {u: c for u, c in _pairs(_TCVN3)}
_TCVN3_ENC.update({u.upper(): c for u, c in _pairs(_TCVN3)})  # toned caps: lowercase byte
_TCVN3_ENC.update(_TCVN3_CAPS)
_TCVN3_DEC = {c: u for u, c in _pairs(_TCVN3)} | {c: u for u, c in _TCVN3_CAPS.items()}
_VNI_ENC = {u: c for u, c in _pairs(_VNI)} | {u.upper(): c.upper() for u, c in _pairs(_VNI)}
_VNI_DEC = {c: u for u, c in _VNI_ENC.items()}

_ENCODINGS = {"tcvn3": _TCVN3_DEC, "vni": _VNI_DEC}
_LEGACY_CHARS = "".join(sorted(set("".join(_TCVN3_DEC) + "".join(_VNI_DEC)) - set("aeiouyAEIOUY")))
_WORD = re.compile(r"(?:[^\W\d_]|[" + re.escape(_LEGACY_CHARS) + "])+")
_VI_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ") | frozenset(map(chr, range(128)))
_CP1252 = frozenset(bytes(range(256)).decode("cp1252", "ignore")) | frozenset(map(chr, range(256)))


def encode_tcvn3(s: str) -> str:
    """Unicode -> TCVN3 as cp1252 characters (toned capitals become lowercase)."""
    return "".join(_TCVN3_ENC.get(ch, ch) for ch in to_nfc(s))


def encode_vni(s: str) -> str:
    """Unicode -> VNI-Windows as cp1252 characters."""
    return "".join(_VNI_ENC.get(ch, ch) for ch in to_nfc(s))


# ------------------------------------------------------ syllable checker
_TONES = {"\u0300": "grave", "\u0309": "hook", "\u0303": "tilde", "\u0301": "acute", "\u0323": "dot"}
_VOWELS = frozenset("aeiouyăâêôơư")
_ALPHABET = frozenset("abcdeghiklmnopqrstuvxyđ") | _VOWELS
_INITIALS = ("ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
             "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_RHYMES = frozenset("""
    a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu yêm yên yêng yêt yêu
    o oc oi om on ong op ot oong ooc ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
    ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu y
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
    oe oem oen oeo oet uân uâng uât uây uê uêch uênh uơ uy uya uych uyên uyêt
    uynh uyp uyt uyu""".split())
_RHYMES |= {r[:-1] + "k" for r in _RHYMES if r.endswith("c")}  # Đắk Lắk, Krông Búk
_QU_RHYMES = {r for r in _RHYMES if r[0] not in "ouư"} | {"y", "ya", "ych", "ynh", "yp", "yt", "yu", "yên", "yêt"}
_STOPS = ("c", "ch", "p", "t", "k")
# Looser shape for minority-language place names (Krông Pa, Chư Păh, Đak Đoa,
# Ea Kar, Cư Jút, Kông Chro): more onsets and finals, ngang tone on stops.
_LOOSE_INITIALS = frozenset(_INITIALS) | set("j bl br dr đr gl gr kb kl kr pl pr chr hr".split())
_LOOSE_RHYMES = _RHYMES | {"ea", "ei", "uin", "uoa", "uoai"}
_CLOSED_NUCLEI = frozenset(r.rstrip("cghkmnpt") for r in _RHYMES if not set(r) <= _VOWELS)
_LOOSE = re.compile(r"([bcdđghjklmnpqrstvx]*)([aeiouyăâêôơư]+)([a-zđ]*)")


def _spelling_ok(ini: str, rhyme: str, loose: bool = False) -> bool:
    """Quốc ngữ spelling of onsets: gh/ngh/k before front vowels, c/g/ng elsewhere."""
    front = rhyme[:1] in ("i", "e", "ê")
    if ini in ("gh", "ngh"):
        return front
    if ini == "c":  # ci, ce, cy, cuy, cuê -> ki, ke, ky, quy, quê
        return not front and rhyme[:1] != "y" and rhyme[:2] not in ("uy", "uâ", "uê", "uơ")
    if ini in ("g", "ng"):
        return not front or (ini == "g" and rhyme[:1] == "i")
    return ini != "k" or loose or front or rhyme[:1] == "y"


def _tone_fits(rhyme: str, at: int, tone: str, loose: bool = False) -> bool:
    """Tone on a vowel of the rhyme, never on a closing glide (ai, ao, ây, ươu; "uy" may take it on y);
    stop finals take only sắc or nặng (not so in place names), and so does the rare oo of boóng, moóc."""
    if rhyme.endswith(_STOPS) and not loose and tone not in ("acute", "dot"):
        return False
    if rhyme.startswith("oo") and tone not in ("", "acute"):
        return False
    if not tone:
        return True
    on_glide = at == len(rhyme) - 1 > 0 and rhyme[-1] in "iyou" and rhyme[-2] in _VOWELS and rhyme != "uy"
    return at >= 0 and not on_glide


@lru_cache(maxsize=16384)
def _grade(word: str) -> int:
    """2: spelt like a Vietnamese syllable; 1: like a minority place-name syllable; 0: neither."""
    letters: list[list[str]] = []  # [base, modifiers]
    tone, tone_at = "", -1
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            if tone or not letters:
                return 0
            tone, tone_at = _TONES[ch], len(letters) - 1
        elif unicodedata.combining(ch):
            if not letters:
                return 0
            letters[-1][1] += ch
        else:
            letters.append([ch, ""])
    plain = "".join(unicodedata.normalize("NFC", b + m) for b, m in letters)
    if len(plain) != len(letters) or not set(plain) <= _ALPHABET | {"j"}:
        return 0
    for ini in _INITIALS:
        rhyme = plain[len(ini):]
        if (plain.startswith(ini) and rhyme in (_QU_RHYMES if ini == "qu" else _RHYMES)
                and _spelling_ok(ini, rhyme) and _tone_fits(rhyme, tone_at - len(ini), tone)):
            return 2
    m = _LOOSE.fullmatch(plain)
    if (not m or m[1] not in _LOOSE_INITIALS or not _spelling_ok(m[1], m[2], True)
            or not (m[2] + m[3] in _LOOSE_RHYMES or (m[3] in ("h", "k", "l", "r") and m[2] in _CLOSED_NUCLEI))):
        return 0
    return 1 if _tone_fits(m[2] + m[3], tone_at - len(m[1]), tone, loose=True) else 0


def is_vietnamese_syllable(word: str) -> bool:
    """True if ``word`` (one word, any case or normal form) is spelt like a Vietnamese syllable."""
    return _grade(word) == 2


# ------------------------------------------------------------- detection
def _is_genuine_marker(ch: str) -> bool:
    """Characters only real Unicode text has: Vietnamese letters outside cp1252, combining marks."""
    if unicodedata.combining(ch):
        return True  # NFD text is genuine Unicode
    return ch not in _CP1252 and ch.isalpha()


def _plain_word(word: str) -> bool:
    """Letters only, cased like a word: lower, UPPER or Title (TCVN3 gives "HËu", "§i")."""
    return word.isalpha() and (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower()))


def _value(word: str) -> int:
    """+1 Vietnamese syllable, 0 place-name syllable, -1 anything else (or oddly cased, like "HËu")."""
    return _grade(word) - 1 if word.isascii() or _plain_word(word) else -1


_CASED_CODES, _UPPER_CODES = "¡¢£¤¥¦§¨©ª«¬\xad®", "¡¢£¤¥¦§"


def _tcvn3_caps(s: str) -> list[bool]:
    """Capital-or-not of each letter of s whose TCVN3 code carries case (toned vowels' codes do not)."""
    return [c.isupper() or c in _UPPER_CODES for c in s if (c.isascii() and c.isalpha()) or c in _CASED_CODES]


def _case_context(words: list[str]) -> tuple[bool, bool]:
    """(all capitals, title case) of a TCVN3 string, judged from its letters that carry case."""
    cased = [_tcvn3_caps(w) for w in words]
    heads = [_tcvn3_caps(w[0]) for w in words]
    return (any(len(c) >= 2 for c in cased) and all(map(all, cased)),
            any(heads) and all(h[0] for h in heads if h))


def _decode_word(word: str, enc: str, all_caps: bool, title: bool) -> tuple[str, bool]:
    """Decode one word; the flag is False if a non-ASCII character was left unexplained."""
    table, out, i = _ENCODINGS[enc], [], 0
    while i < len(word):
        if enc == "vni" and word[i:i + 2] in table:
            out.append(table[word[i:i + 2]])
            i += 2
            continue
        ch = word[i]
        if ch in table:
            out.append(table[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            return word, False
        i += 1
    text = "".join(out)
    if enc == "tcvn3":  # toned capitals came out lowercase: guess them back from context
        caps = _tcvn3_caps(word)
        if all_caps or (len(caps) >= 2 and all(caps)):
            text = text.upper()
        elif title and word[0] in table and word[0] not in _CASED_CODES:
            text = text[0].upper() + text[1:]
    return text, True


def _decode(s: str, enc: str) -> tuple[str, int, int] | None:
    """Decode ``s`` as ``enc``; return (text, score, gain), or None when that reading is implausible.

    Every non-ASCII character must be explained by the encoding.  Words are
    valued by ``_value`` (acronyms and single letters count 0); the decoded
    string must be worth more than zero (or zero with no un-Vietnamese word)
    and the changed words must gain value.  Evidence is needed too: a changed
    word that becomes Vietnamese (or a place name) although it cannot be
    Unicode text as it stands, or a 3+ letter word that becomes a syllable and
    holds a letter Vietnamese lacks.  Weaker evidence (TCVN3 "Mü", "thé")
    counts only among other Vietnamese words (score >= 2).  A lone "©", "×",
    "µm" or "où" proves nothing.
    """
    words = list(_WORD.finditer(s))
    caps, title = _case_context([m[0] for m in words]) if enc == "tcvn3" else (False, False)
    parts, last, score, gain, sure, hint, foreign = [], 0, 0, 0, False, False, False
    for m in words:
        word = m.group()
        text, ok = _decode_word(word, enc, caps, title)
        if not ok:
            return None
        value = _value(text) if len(word) > 1 else 0
        if value < 0 and word.isascii() and word.isupper():
            value = 0  # an acronym: STT, ĐVT, CT
        if text != word:
            value, before = _value(text), _value(word)
            gain += value - before
            if value >= 0 and value > before and len(word) > 1:
                # "HuyÖn", "§i", "Kr«ng" cannot be Unicode text; VNI's vowel-plus-mark
                # pairs ("Kroâng", "Baùo") do not occur in European words.
                sure |= not _plain_word(word) or len(word) > 2 and len(text) < len(word)
            if value > max(before, 0):
                hint = True
                sure |= len(word) > 2 and not set(word) <= _VI_LATIN1  # "Tæng", "TØNH"
        score += value
        foreign |= value < 0
        parts += [s[last:m.start()], text]
        last = m.end()
    if gain <= 0 or score < 0 or (score == 0 and foreign) or not (sure or (hint and score >= 2)):
        return None
    return "".join(parts) + s[last:], score, gain


def _looks_genuine(s: str) -> bool:
    """True if every word holding a non-ASCII character already reads as Vietnamese."""
    return all(_value(w) > 0 for w in _WORD.findall(s) if not w.isascii())


@lru_cache(maxsize=8192)
def _detect(s: str) -> tuple[str, str] | None:
    if s.isascii() or any(map(_is_genuine_marker, s)) or _looks_genuine(s):
        return None
    found = sorted(((r[1], r[2], enc, r[0]) for enc in _ENCODINGS if (r := _decode(s, enc))), reverse=True)
    if not found or (len(found) > 1 and found[0][:2] == found[1][:2]):
        return None  # nothing plausible, or a tie: leave the text alone
    return found[0][2], found[0][3]


def detect_legacy(s: str) -> str | None:
    """Return "tcvn3" or "vni" if ``s`` is legacy-font text shown as cp1252, else None.

    Conservative, decided per string: text holding any character only genuine
    Unicode has (ơ ư đ ă ĩ ũ, U+1EA0-U+1EF9, the combining marks of NFD) is
    never legacy; text whose non-ASCII words already read as Vietnamese
    ("Châu Thành A", "Ghi chú") is left alone; otherwise an encoding is chosen
    only if its decoding makes the string read as Vietnamese (see ``_decode``).
    """
    hit = _detect(s) if isinstance(s, str) else None
    return hit[0] if hit else None


def _font_encoding(font: str | None) -> str | None:
    name = (font or "").strip().lower()
    return "tcvn3" if name.startswith((".vn", "tcvn3")) else "vni" if name.startswith("vni") else None


def decode_legacy(s: str, font: str | None = None) -> str:
    """If ``s`` looks like TCVN3 or VNI text rendered in cp1252, return its Unicode NFC form; else ``s``.

    Genuine Unicode Vietnamese, plain ASCII/English and numbers are returned
    unchanged.  ``font`` (the cell's font name, if known, or "tcvn3"/"vni"
    as decided for a whole sheet) settles ambiguous cases: a ".Vn..." font
    means TCVN3, "VNI-..." means VNI, and a ".Vn" name ending in "H"
    (".VnTimeH") is an all-capitals font.  Any other font changes nothing.
    """
    enc = _font_encoding(font)
    if enc is None:
        hit = _detect(s)
        return to_nfc(hit[1]) if hit else s
    if any(map(_is_genuine_marker, s)):
        return s
    # The font is trusted unless the text reads as Unicode and decoding makes it worse
    # (a Unicode "Châu Thành" left in a .VnTime cell).
    words = _WORD.findall(s)
    caps, title = _case_context(words) if enc == "tcvn3" else (False, False)
    decoded = [_decode_word(w, enc, caps, title) for w in words]
    if _looks_genuine(s) and (not all(ok for _, ok in decoded)
                              or sum(_value(t) for t, _ in decoded) < sum(_value(w) for w in words)):
        return s
    texts = iter(t for t, _ in decoded)
    out = _WORD.sub(lambda m: next(texts), s)
    if enc == "tcvn3" and font.replace(" ", "").lower().endswith("h"):
        out = out.upper()
    return to_nfc(out)


def decode_with_font(s: str, font: str | None) -> str:
    """A cell's text as the officer saw it, decided per cell (or per rich-text run) by its font.

    A legacy font (".VnTime", ".VnTimeH", ".VnArial"… = TCVN3; "VNI-Times", "VNI-Helve"… = VNI)
    means the text is in that encoding; any other font named (``font`` not None) means the text
    is what it says; ``None`` (the workbook's default font, or a format without fonts) falls back
    to the text itself, where text that already reads as Unicode Vietnamese is never converted.
    """
    if not isinstance(s, str) or not s or s.isascii():
        return s
    if font is None:
        return decode_legacy(s)
    if _font_encoding(font) is None:
        return s
    return decode_legacy(s, font=font)


# --------------------------------------------------------------- folding
def to_nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[\s\u200b\u180e]+")
_NON_WORD = re.compile(r"[\W_]+")


def _fold_once(s: str) -> str:
    s = to_nfc(decode_legacy(s)).lower().replace("đ", "d").translate(_INVISIBLE)
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", s)).strip()


@lru_cache(maxsize=65536)
def _fold(s: str) -> str:
    # Folding can turn undecodable text into decodable text (stripping an "é"
    # that no legacy table explains); repeat to a fixed point so fold is
    # idempotent.  Each further round decodes, so removes non-ASCII letters.
    key = _fold_once(s)
    while (again := _fold_once(key)) != key:
        key = again
    return key


def fold(s: object) -> str:
    """Comparison key: legacy-decoded, NFC, lowercase, no accents (đ -> d), spaces collapsed.

    Whitespace of every kind (NBSP, tabs, newlines, zero-width space) becomes
    one space; soft hyphens, zero-width joiners and BOMs are dropped.
    Punctuation is kept.  ``None`` folds to "".
    """
    return "" if s is None else _fold(str(s))


def fold_words(s: object) -> str:
    """``fold`` with every non-letter, non-digit turned into a space: 'Tỉnh/Thành phố:' -> 'tinh thanh pho'."""
    if isinstance(s, str) and len(s) <= 200:  # labels and names recur in every file: remembered
        return _fold_words_cached(s)
    return _NON_WORD.sub(" ", fold(s)).strip()


@lru_cache(maxsize=1 << 15)
def _fold_words_cached(s: str) -> str:
    return _NON_WORD.sub(" ", fold(s)).strip()


def similarity(a: str, b: str) -> float:
    """0..1 similarity of the ``fold_words`` keys (1.0 when they are equal)."""
    ka, kb = fold_words(a), fold_words(b)
    if ka == kb:
        return 1.0
    return difflib.SequenceMatcher(None, ka, kb, autojunk=False).ratio()


def nearest(name: str, candidates: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` candidates most similar to ``name`` (score >= cutoff), best first; ties keep input order."""
    scored = [(similarity(name, c), i, c) for i, c in enumerate(candidates)]
    scored = [t for t in scored if t[0] >= cutoff]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [c for _, _, c in scored[:n]]
