"""Not a test: ``python tests/steps/table_hashes.py data/derived/rex.duckdb`` prints, per table of a
built database, its row count and a hash of its sorted content (column names + every row), so two
builds can be compared with ``diff`` (issue 29: the build as steps gave 46 identical tables)."""
import hashlib
import sys

import duckdb

con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
for name in names:
    if name == "build_info":          # build id and time differ on every build
        continue
    df = con.execute(f'SELECT * FROM "{name}"').df()
    lines = sorted("\x1f".join(map(str, t)) for t in df.itertuples(index=False))
    print(name, len(df), hashlib.sha256("\x1e".join(list(df.columns) + lines).encode()).hexdigest()[:16])
