"""The connection and the queries: ``db`` (the read-only connection), ``warehouse`` (build on first use,
the cache), ``api`` (plain arguments in, validated, bound SQL, DataFrames out), ``user_sql`` (SQL a
visitor types, sandboxed). Above etl; below metrics, charts and the apps."""
