"""One module per publisher: raw file -> tidy DataFrame. Every quirk of a raw file is fixed here."""
