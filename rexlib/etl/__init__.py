"""The build: raw files -> validated tables -> Parquet + DuckDB.

- ``steps/``: one step per source (``collect_<source>``) and the registry that orders them;
- ``schema``: one declaration per table; ``dictionary``: the data dictionary generated from it;
- ``series``: the series rules of metadata/series.yml (which edition, shares, headlines), pure functions;
- ``normalise``: countries, measures and units of a publisher's frame in rex's ids;
- ``corrections``: the publishers' errors fixed by declared rules; ``reconcile``: a publisher's rows merged
  with a curated table's; ``checks/``: the publishers' own figures checked; ``row_counts``: expected rows;
- ``build``: the loop over the steps, validation, writing (``rexlib.build()``).
Imports only core, metadata and sources."""
