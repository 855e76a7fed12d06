"""plantrack.text: matching ignoring case, accents, spaces, normal form and legacy font encodings."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plantrack.text import (
    decode_legacy,
    detect_legacy,
    encode_tcvn3,
    encode_vni,
    fold,
    fold_words,
    is_vietnamese_syllable,
    nearest,
    similarity,
    to_nfc,
)

DATA = Path(__file__).resolve().parent.parent / "data"

# The labels real returns carry.
LABELS = [
    "Tỉnh", "Huyện", "Quận/Huyện", "Đơn vị báo cáo", "Kỳ báo cáo", "Mã chỉ tiêu",
    "Tổng số", "Số đạt", "Kết quả thực hiện", "Tỷ lệ (%)", "Hậu Giang", "Châu Thành A",
    "Phụng Hiệp", "Vị Thuỷ", "Long Mỹ", "Thành phố Hải Phòng", "6 tháng đầu năm 2023",
    "Báo cáo năm 2023",
    "Gia đình có trẻ em được cung cấp kiến thức, kỹ năng về bảo vệ trẻ em",
]

# The 67 lowercase Vietnamese letters beyond ASCII and their capitals: 134 letters.
VI_LOWER = ("àảãáạăằẳẵắặâầẩẫấậèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợ"
            "ùủũúụưừửữứựỳỷỹýỵđ")
VI_LETTERS = VI_LOWER + VI_LOWER.upper()

# Real Vietnamese words (genuine Unicode), used to build phrases.
VOCAB = """
    tỉnh huyện quận thị xã thành phố phường đơn vị báo cáo kỳ mã chỉ tiêu tổng số đạt
    kết quả thực hiện tỷ lệ hậu giang châu a phụng hiệp thuỷ thủy long mỹ hải phòng tháng
    đầu năm gia đình có trẻ em được cung cấp kiến thức kỹ năng về bảo vệ ghi chú tên kế
    hoạch người dân nhà nước trường học sinh giáo viên y tế xã hội nông nghiệp chăm sóc
    sức khoẻ khỏe hoà hòa quý quỳnh nguyễn trần lê phạm hoàng huỳnh võ vũ đặng bùi đỗ hồ
    ngô dương lý cà mau tân phú bình hòa ô môn cái răng ngã bảy vĩnh thạnh cần thơ sóc
    trăng bạc liêu kiên an tiền bến tre đồng tháp trà vinh tây ninh khánh quảng ngãi
    đà nẵng huế nghệ thanh hoá thái nguyên lạng sơn cao bằng điện biên lai sìn hồ lào
    cai yên bái tuyên quang hà nội giữa khuya ngoài uỷ ban nhân dân chủ tịch phó gì ở
    đây kia mùa mưa nước ngọt những việc làm xuất khẩu lương thực thuộc ấp khóm
""".split()

# Words whose TCVN3 and VNI forms read neither as Unicode nor as the other
# encoding, so a phrase holding one must decode.  (Not "chỉ": VNI "chæ" is also
# TCVN3 "chổ"; not "phụng": TCVN3 "phông" is also a Unicode word.)
MARKED = ["huyện", "tổng", "đạt", "năm", "được", "hiện", "bảo", "đơn", "tỉnh", "quận",
          "người", "trường", "nước", "tiêu", "kỹ", "hậu", "việc", "xuất", "kết", "nghiệp"]

ENGLISH = ["Total", "Café", "Ghi chú", "1.234", "1,234.5", "naïve", "résumé", "São Paulo",
           "Zürich", "jalapeño", "Crème brûlée", "Ålesund", "Où est la gare ?", "« Total »",
           "2 × 3", "© 2023 ACME", "10 µg/m³", "Müller-Lüdenscheidt", "Ñandú", "façade",
           "Straße", "Sørensen", "Hôtel de Ville", "déjà vu", "Noël", "piñata", "coöperate",
           "N/A", "", "   ", "STT", "Q1-2023", "Plan (%)"]


def units_names() -> list[str]:
    names: set[str] = set()
    for file in ("provinces.csv", "districts.csv"):
        with open(DATA / file, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names |= {row["name"], f"{row['kind']} {row['name']}"}
    return sorted(names)


# ------------------------------------------------------------ normal form, case, accents, spaces
def test_nfc_and_nfd_fold_equal():
    for label in LABELS:
        nfd = unicodedata.normalize("NFD", label)
        assert nfd != label or label.isascii()
        assert fold(nfd) == fold(label)
        assert to_nfc(nfd) == label


def test_nfd_text_is_genuine_not_legacy():
    for label in LABELS:
        nfd = unicodedata.normalize("NFD", label)
        assert detect_legacy(nfd) is None
        assert decode_legacy(nfd) == nfd


def test_case_accents_and_spaces_ignored():
    assert fold("  HẬU\u00a0 GIANG\t") == fold("hau giang") == "hau giang"
    assert fold("Tỉnh\nHậu\u200bGiang") == "tinh hau giang"
    assert fold("ĐƠN VỊ") == fold("don vi") == "don vi"
    assert fold("Thủy") == fold("Thuỷ") == fold("THUỶ") == "thuy"
    assert fold("Huy\u00adện\ufeff") == "huyen"  # soft hyphen and BOM are invisible


def test_fold_keeps_punctuation_and_none_is_empty():
    assert fold("Tỷ lệ (%)") == "ty le (%)"
    assert fold(None) == ""
    assert fold(2023) == "2023"


def test_fold_words_drops_punctuation():
    assert fold_words("Tỉnh/Thành phố:") == "tinh thanh pho"
    assert fold_words("Quận/Huyện") == "quan huyen"
    assert fold_words(" Tỷ lệ (%) ") == "ty le"


# ------------------------------------------------------------ the tables themselves
def test_tables_round_trip_every_letter():
    assert len(set(VI_LETTERS)) == 134
    for ch in VI_LETTERS:
        text = f"huyện {ch}"  # a lone letter is rarely a word; "huyện" makes the reading clear
        assert decode_legacy(encode_vni(text), font="VNI-Times") == text
        # TCVN3 has no codes for toned capitals: .VnTime shows them lowercase,
        # the .VnTimeH uppercase font shows them as capitals.
        assert decode_legacy(encode_tcvn3(text), font=".VnTime") in (text, text.lower())
        assert decode_legacy(encode_tcvn3(text), font=".VnTimeH") == text.upper()
    assert len({encode_tcvn3(ch) for ch in VI_LOWER}) == 67
    assert len({encode_vni(ch) for ch in VI_LETTERS}) == 134


def test_tables_match_published_bytes():
    # TCVN 5712:1993 VN3 (ABC) and VNI-Windows byte values.
    tcvn3 = {"à": 0xB5, "á": 0xB8, "ạ": 0xB9, "ă": 0xA8, "â": 0xA9, "ê": 0xAA, "ô": 0xAB,
             "ơ": 0xAC, "ư": 0xAD, "đ": 0xAE, "Đ": 0xA7, "Ă": 0xA1, "Ư": 0xA6, "ậ": 0xCB,
             "ỉ": 0xD8, "ệ": 0xD6, "ố": 0xE8, "ự": 0xF9, "ỵ": 0xFE, "ý": 0xFD, "ặ": 0xC6}
    for ch, byte in tcvn3.items():
        assert encode_tcvn3(ch).encode("cp1252") == bytes([byte]), ch
    vni = {"á": b"a\xf9", "à": b"a\xf8", "ả": b"a\xfb", "ã": b"a\xf5", "ạ": b"a\xef",
           "ậ": b"a\xe4", "ắ": b"a\xe9", "ỉ": b"\xe6", "ĩ": b"\xf3", "ơ": b"\xf4", "ư": b"\xf6",
           "đ": b"\xf1", "Đ": b"\xd1", "ỵ": b"\xee", "Ế": b"E\xc1"}
    for ch, raw in vni.items():
        assert encode_vni(ch).encode("cp1252") == raw, ch


# ------------------------------------------------------------ legacy text from real returns
HAND_WRITTEN = [  # typed from the published tables, not produced by our encoder
    ("TØnh", "Tỉnh", "tcvn3"),
    ("HuyÖn", "Huyện", "tcvn3"),
    ("HËu Giang", "Hậu Giang", "tcvn3"),
    ("Tæng sè", "Tổng số", "tcvn3"),
    ("Sè ®¹t", "Số đạt", "tcvn3"),
    ("§¬n vÞ b¸o c¸o", "Đơn vị báo cáo", "tcvn3"),
    ("Ch©u Thµnh A", "Châu Thành A", "tcvn3"),
    ("KÕt qu¶ thùc hiÖn", "Kết quả thực hiện", "tcvn3"),
    ("Tænh", "Tỉnh", "vni"),
    ("Huyeän", "Huyện", "vni"),
    ("Haäu Giang", "Hậu Giang", "vni"),
    ("Toång soá", "Tổng số", "vni"),
    ("Soá ñaït", "Số đạt", "vni"),
    ("Ñôn vò baùo caùo", "Đơn vị báo cáo", "vni"),
    ("Chaâu Thaønh A", "Châu Thành A", "vni"),
    ("Keát quaû thöïc hieän", "Kết quả thực hiện", "vni"),
]


@pytest.mark.parametrize("legacy, expected, encoding", HAND_WRITTEN)
def test_hand_written_legacy_strings_decode(legacy, expected, encoding):
    assert detect_legacy(legacy) == encoding
    assert decode_legacy(legacy) == expected
    assert fold(legacy) == fold(expected)


@pytest.mark.parametrize("label", LABELS)
def test_tcvn3_labels_decode(label):
    legacy = encode_tcvn3(label)
    assert legacy != label
    assert detect_legacy(legacy) == "tcvn3"
    assert decode_legacy(legacy) == label


@pytest.mark.parametrize("label", LABELS)
def test_vni_labels_decode(label):
    legacy = encode_vni(label)
    assert legacy != label
    assert detect_legacy(legacy) == "vni"
    assert decode_legacy(legacy) == label


@pytest.mark.parametrize("label", ["BÁO CÁO NĂM 2023", "ĐƠN VỊ BÁO CÁO", "TỔNG SỐ", "HUYỆN PHỤNG HIỆP"])
def test_tcvn3_capitals_typed_in_lowercase_font_come_back_capital(label):
    assert decode_legacy(encode_tcvn3(label)) == label


@pytest.mark.parametrize("legacy, expected", [
    ("Kr«ng Pa", "Krông Pa"), ("§¨k Glong", "Đăk Glong"), ("Kroâng Pa", "Krông Pa"),
    ("Cö Juùt", "Cư Jút"), ("HuyÖn Ea Kar", "Huyện Ea Kar"), ("Tæng", "Tổng"), ("§i", "Đi"),
])
def test_place_names_and_short_labels_decode(legacy, expected):
    assert decode_legacy(legacy) == expected


def test_tcvn3_title_case_restores_toned_capital_initials():
    assert decode_legacy(encode_tcvn3("Huyện Mường Ảng")) == "Huyện Mường Ảng"
    assert decode_legacy(encode_tcvn3("Ứng Hòa")) == "Ứng Hòa"


def test_uppercase_font_vntimeh():
    assert decode_legacy("b¸o c¸o n¨m", font=".VnTimeH") == "BÁO CÁO NĂM"
    assert fold("b¸o c¸o n¨m") == "bao cao nam"


def test_font_hint_settles_ambiguous_words():
    # "Phó Léc" (TCVN3 for "Phú Lộc") also reads as Unicode, so alone it stays.
    assert decode_legacy("Phó Léc") == "Phó Léc"
    assert decode_legacy("Phó Léc", font=".VnTime") == "Phú Lộc"
    assert decode_legacy("Phong Thæ", font="VNI-Times") == "Phong Thỉ"
    assert decode_legacy("Phong Thæ", font="tcvn3") == "Phong Thổ"
    assert decode_legacy("Hậu Giang", font=".VnTime") == "Hậu Giang"  # genuine Unicode stays
    assert decode_legacy("Phong Thæ", font="Times New Roman") == "Phong Thæ"


def test_legacy_and_unicode_fold_equal():
    for label in LABELS:
        assert fold(encode_tcvn3(label)) == fold(label) == fold(encode_vni(label))


def test_province_and_district_names_decode():
    names = units_names()
    for encode in (encode_tcvn3, encode_vni):
        exact = 0
        for name in names:
            assert decode_legacy(name) == name
            legacy = encode(name)
            decoded = decode_legacy(legacy)
            assert decoded in (name, legacy), (name, legacy, decoded)  # never garbage
            exact += decoded == name
            # with the kind in front there is always enough evidence
            if " " in name and name.split()[0] in ("Huyện", "Quận", "Tỉnh") and not legacy.isascii():
                assert decoded == name, (name, legacy, decoded)
        assert exact >= 0.97 * len(names)


# ------------------------------------------------------------ conservative detection
@pytest.mark.parametrize("text", ENGLISH)
def test_english_and_french_unchanged(text):
    assert decode_legacy(text) == text
    assert detect_legacy(text) is None


@pytest.mark.parametrize("text", LABELS + ["Cà Mau", "Hòa Bình", "Tân Phú", "Chợ Mới", "Ô Môn", "Ghi chú"])
def test_genuine_unicode_unchanged(text):
    assert detect_legacy(text) is None
    assert decode_legacy(text) == text


def test_lone_symbols_are_not_legacy_words():
    for text in ["§ 3", "© ®", "2 × 3", "« »", "µ", "¹²³"]:
        assert decode_legacy(text) == text


def test_syllable_checker():
    for word in ["nghiêng", "quốc", "giữa", "khuya", "thuở", "hoà", "hòa", "thuỷ", "thủy", "gì", "Đắk"]:
        assert is_vietnamese_syllable(word), word
    for word in ["cafộ", "nghúa", "kroõng", "caù", "Total", "chõu", "ngi", "ci", "bat"]:
        assert not is_vietnamese_syllable(word), word


# ------------------------------------------------------------ properties
phrases = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=6).map(" ".join)
cased = st.sampled_from([str.lower, str.title, str.upper])


@settings(max_examples=300)
@given(phrases, cased, st.sampled_from(["NFC", "NFD"]))
def test_genuine_vietnamese_is_never_decoded(phrase, case, form):
    text = unicodedata.normalize(form, case(phrase))
    assert decode_legacy(text) == text


@settings(max_examples=300)
@given(phrases, st.sampled_from(MARKED), st.integers(0, 6))
def test_tcvn3_round_trip(phrase, marked, at):
    words = phrase.split()
    words.insert(at % (len(words) + 1), marked)
    text = " ".join(words)
    assert decode_legacy(encode_tcvn3(text)) == to_nfc(text)
    # Capitals are weaker evidence in TCVN3 ("XUÊT" could be a word): right or left alone.
    for variant in (text.upper(), text.title()):
        assert fold(encode_tcvn3(variant)) in (fold(text), fold(encode_tcvn3(variant).lower()))


@settings(max_examples=300)
@given(phrases, st.sampled_from(MARKED), st.integers(0, 6), cased)
def test_vni_round_trip(phrase, marked, at, case):
    words = phrase.split()
    words.insert(at % (len(words) + 1), marked)
    text = case(" ".join(words))
    assert decode_legacy(encode_vni(text)) == to_nfc(text)


@settings(max_examples=300)
@given(phrases, st.sampled_from([encode_tcvn3, encode_vni]))
def test_legacy_never_decodes_to_garbage(phrase, encode):
    legacy = encode(phrase)
    assert decode_legacy(legacy) in (phrase, legacy)


english_words = st.from_regex(r"[A-Za-z][a-z]{0,9}( [A-Za-z][a-z]{0,9}){0,4}", fullmatch=True)


@given(english_words)
def test_english_words_unchanged(text):
    assert decode_legacy(text) == text
    assert fold(text) == " ".join(text.lower().split())


legacy_alphabet = st.sampled_from(sorted(set(encode_tcvn3(VI_LETTERS) + encode_vni(VI_LETTERS) + VI_LETTERS)))
messy = st.text(st.one_of(st.characters(max_codepoint=0x2FF), legacy_alphabet,
                          st.sampled_from(" \u00a0\t\n\u200b\u00ad\ufeff")), max_size=40)


@settings(max_examples=500)
@given(messy)
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4).map(" ".join))
def test_fold_ignores_case_and_form(text):
    assert fold(text.upper()) == fold(unicodedata.normalize("NFD", text)) == fold(text)


# ------------------------------------------------------------ fuzzy matching
def test_similarity():
    assert similarity("Châu Thành A", "CHAU  THANH A") == 1.0
    assert similarity("HËu Giang", "Hậu Giang") == 1.0
    assert 0.6 < similarity("Phung Hiep", "Phụng Hiệp huyện") < 1.0
    assert similarity("Hậu Giang", "Cà Mau") < 0.5


def test_nearest_returns_original_candidates_best_first():
    districts = ["Châu Thành", "Châu Thành A", "Phụng Hiệp", "Vị Thuỷ", "Long Mỹ", "Ngã Bảy"]
    assert nearest("chau thanh a", districts) == ["Châu Thành A", "Châu Thành"]
    assert nearest("Vi Thuy", districts, n=1) == ["Vị Thuỷ"]
    assert nearest("Phông HiÖp", districts)[0] == "Phụng Hiệp"
    assert nearest("Hà Nội", districts) == []
    assert nearest("Long My", districts, cutoff=0.0)[0] == "Long Mỹ"


# --- legacy fonts decided per cell (issue #8) ------------------------------------------------

from plantrack.text import decode_with_font  # noqa: E402


@pytest.mark.parametrize("font", ["Times New Roman", "Calibri", "Arial", None])
def test_unicode_co_stays_co_unless_its_own_font_is_legacy(font):
    # a Unicode 'Có' in a sheet that also holds legacy cells was read as TCVN3 'Cú' when fonts were decided per sheet
    assert decode_with_font("Có", font) == "Có"


def test_a_legacy_font_decides_an_ambiguous_string():
    assert decode_with_font(encode_tcvn3("Có"), ".VnTime") == "Có"  # 'Cã' alone also reads as Unicode
    assert decode_with_font(encode_tcvn3("Có"), None) == encode_tcvn3("Có")  # no font: valid-looking text stays
    assert decode_with_font(encode_vni("Không"), "VNI-Helve") == "Không"
    assert decode_with_font(encode_tcvn3("UBND HUYỆN VỊ THỦY"), ".VnTimeH") == "UBND HUYỆN VỊ THỦY"


def test_any_other_named_font_means_the_text_is_what_it_says():
    legacy = encode_tcvn3("Huyện Vị Thủy")
    assert decode_with_font(legacy, "Times New Roman") == legacy
    assert decode_with_font(legacy, None) == "Huyện Vị Thủy"  # no font tells: the text itself decides
