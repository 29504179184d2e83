"""Record Ids: the checksum suffix, 15/18-character forms, key prefixes."""

from __future__ import annotations

from crossmap_salesforce.emulator.ids import checksum, make_id, normalize, to18


def test_checksum_matches_the_documented_vector() -> None:
    assert to18("001A000010khO8J") == "001A000010khO8JIAU"
    assert checksum("001A000010khO8J") == "IAU"


def test_fifteen_and_eighteen_character_forms_normalise_to_the_same_id() -> None:
    assert normalize("001A000010khO8J") == normalize("001A000010khO8JIAU") == "001A000010khO8JIAU"
    # The suffix is case-insensitive; the 15-character body is not.
    assert normalize("001A000010khO8Jiau") == "001A000010khO8JIAU"


def test_a_wrong_suffix_or_shape_is_not_an_id() -> None:
    assert normalize("001A000010khO8JAAA") is None
    assert normalize("not-an-id") is None
    assert normalize("001A000010khO8") is None


def test_minted_ids_have_the_prefix_and_a_valid_suffix() -> None:
    rid = make_id("003", 12345)
    assert len(rid) == 18 and rid.startswith("003")
    assert normalize(rid[:15]) == rid
