"""hangul.fold: North and South Korean spellings of the same word fold to one form."""

import pytest

from registry.places.hangul import fold
from registry.places.names import name_key

# (North, South): real pairs from the two Koreas' press.
PAIRS = [
    ("로동", "노동"),  # labour: ㄹ -> ㄴ before ㅗ
    ("련합", "연합"),  # union: ㄹ -> ㅇ before ㅕ
    ("력사", "역사"),  # history
    ("리", "이"),  # ri (village) / Mr Ri / Lee
    ("량강도", "양강도"),  # Ryanggang province
    ("녀성", "여성"),  # women: ㄴ -> ㅇ before ㅕ
    ("랭동", "냉동"),  # refrigeration: ㄹ -> ㄴ before ㅐ
    ("류경", "유경"),  # Ryugyong
    ("룡성기계련합기업소", "용성기계연합기업소"),  # Ryongsong Machine Complex: medial 련 too
    ("락원", "낙원"),  # Rakwon (paradise)
    ("로동신문", "노동신문"),  # Rodong Sinmun
    ("뇨소", "요소"),  # urea: ㄴ -> ㅇ before ㅛ
    ("례절", "예절"),  # etiquette: ㄹ -> ㅇ before ㅖ
    ("김책제철련합기업소", "김책제철 연합기업소"),  # and the South spaces the compound
    ("조선 중앙 통신", "조선중앙통신"),
]


@pytest.mark.parametrize("north,south", PAIRS)
def test_north_and_south_spellings_fold_alike(north, south):
    assert fold(north) == fold(south)
    assert name_key(north) == name_key(south)


@pytest.mark.parametrize("north,south", PAIRS)
def test_folding_is_the_souths_spelling_without_spaces(north, south):
    assert fold(north) == south.replace(" ", "")
    assert fold(fold(north)) == fold(north)  # idempotent: the stored side and the query side agree


def test_other_syllables_and_scripts_are_left_alone():
    assert fold("김책제철") == "김책제철"  # no ㄹ/ㄴ initial
    assert fold("나라") == "나나"  # every syllable folds, medial ones too (the documented trade-off)
    assert fold("노동") == "노동"  # ㄴ before ㅗ stays
    assert fold("Kim Chaek 2.8") == "Kim Chaek 2.8"
    assert fold("2.8 비날론") == "2.8 비날논"  # the space after a digit stays; 론 folds
    assert fold("청진 Bag") == "청진 Bag"
    assert fold("") == "" and fold(None) == ""


def test_decomposed_jamo_are_composed_first():
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "로동")) == "노동"
