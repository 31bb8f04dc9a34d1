"""The bottom layer: canonical ids and names (read from metadata/mappings), number and dollar formatting,
the share formulas (HHI, top-k), where data lives, argument validation, provenance labels. Imports nothing
else of rexlib's but metadata."""
