"""Declarations as data: table fields, series rules, corrections, mappings."""
