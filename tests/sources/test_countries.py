import pytest

from rexlib.sources.countries import UnknownCountryLabel, split_country_label, to_iso3
from tests.conftest import RAW

ISO = RAW / "reference" / "lukes_iso3166_all.csv"


@pytest.mark.parametrize("label, code", [
    ("Congo (Kinshasa)", "COD"), ("Burma", "MMR"), ("Korea, Republic of", "KOR"), ("Russia", "RUS"),
    ("Côte d’Ivoire", "CIV"), ("Canada ", "CAN"), ("World total", "WLD"), ("Other countries", "ROW"),
    ("Rest of world", "ROW"), ("Democratic Republic of Congo", "COD"), ("Turkey", "TUR"),
    ("United States and Canada", "USA+CAN"), ("Vietnam", "VNM"), ("Laos", "LAO"),
])
def test_publisher_labels(label, code):
    assert to_iso3(label, ISO) == code


@pytest.mark.parametrize("label, code, qualifier, flags", [
    ("Chinae", "CHN", "", {"estimated"}),                                  # MCS2024 glued 'e'
    ("Korea, Republic ofe", "KOR", "", {"estimated"}),
    ("Brazil (crude and beneficiated)9", "BRA", "crude and beneficiated", set()),  # footnote digit
    ("United\xa0States (crude)", "USA", "crude", set()),
    ("Peru, crude borates", "PER", "crude borates", set()),
    ("World total (rounded) 10", "WLD", "", {"rounded"}),
    ("World total (rounded), excluding United States.", "WLD", "excluding United States", {"rounded"}),
    ("China, Germany, and Russia", "CHN+DEU+RUS", "", set()),
])
def test_split_labels(label, code, qualifier, flags):
    assert split_country_label(label, ISO) == (code, qualifier, frozenset(flags))


def test_unknown_label_names_label_and_file():
    with pytest.raises(UnknownCountryLabel, match=r"'Atlantis'.*in x\.csv"):
        to_iso3("Atlantis", ISO, source="x.csv")
