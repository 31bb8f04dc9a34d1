import pytest

from rexlib.sources.measures import classify_measure


@pytest.mark.parametrize("label, record, stage, measure, flags", [
    ("Mine production: Palladium, rounded", "production", "mine", "Mine production: Palladium", {"rounded"}),
    ("Mine poduction, Kaolin", "production", "mine", "Mine production, Kaolin", set()),   # typo (MCS2025)
    ("Mne production", "production", "mine", "Mine production", set()),                  # typo (MCS2024 chrom)
    ("Mine production, cobalt content, estimated", "production", "mine", "Mine production, cobalt content", {"estimated"}),
    ("Refinery production: rounded", "production", "refinery", "Refinery production", {"rounded"}),
    ("Primary production", "production", "refinery", "Primary production", set()),      # gallium
    ("Smelter production", "production", "smelter", "Smelter production", set()),
    ("Titanium sponge metal production", "production", "metal", "Titanium sponge metal production", set()),
    ("Plant production, Ferosilicon, silicon content ", "production", "metal",
     "Plant production, Ferrosilicon, silicon content", set()),
    ("Refinery capacity: rounded", "capacity", "refinery", "Refinery capacity", {"rounded"}),
    ("Reserves: rounded", "reserves", None, "Reserves", {"rounded"}),
])
def test_classify(label, record, stage, measure, flags):
    assert classify_measure(label) == (record, stage, measure, frozenset(flags))
