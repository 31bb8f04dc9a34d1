"""Run one scale query on the engine the caller hands in: a DuckDB connection, or a PySpark
``SparkSession`` (local mode or a cluster; Spark Connect sessions too).

The SQL is written once, in DuckDB's dialect (:mod:`rexlib.scale.sql`). DuckDB runs it as it is,
with bound parameters. For Spark, sqlglot parses it, inlines the parameters as typed literals
(quoted by sqlglot, never formatted by hand), renames the relations to per-call temporary views and
writes Spark SQL; ``unsupported_level=RAISE`` makes any construct without a Spark equivalent an error
instead of a silent rewrite. Results are small aggregates and come back as pandas DataFrames.
"""
from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from pathlib import Path

import duckdb
import pandas as pd

from rexlib.core.validate import InvalidArgument

try:  # optional: only the Spark path needs it (pip install -e '.[spark]')
    import sqlglot
    from sqlglot import exp
except ImportError:  # pragma: no cover - exercised only without the extra
    sqlglot = exp = None

SPARK_HINT = "pip install -e '.[spark]' (PySpark and sqlglot; Spark needs Java 17+: apt-get install openjdk-17-jre-headless)"
WORKBOOK_TABLES = ("production", "production_latest")


def is_spark(con) -> bool:
    """True for a PySpark session (classic or Spark Connect), without importing pyspark."""
    return type(con).__module__.startswith("pyspark.") and hasattr(con, "sql") and hasattr(con, "read")


def _is_spark_frame(obj) -> bool:
    return type(obj).__module__.startswith("pyspark.") and hasattr(obj, "createOrReplaceTempView")


def _is_path(text: str) -> bool:
    return text.endswith(".parquet") or "*" in text or "://" in text or Path(text).is_dir()


# --- DuckDB ---------------------------------------------------------------------------------------

def duckdb_relation(con: duckdb.DuckDBPyConnection, source) -> duckdb.DuckDBPyRelation:
    """A relation from a relation, a pandas frame, a Parquet path/glob/URL, or a workbook table."""
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source
    if isinstance(source, pd.DataFrame):
        return con.from_df(source)
    text = str(source)
    if _is_path(text):
        return con.read_parquet(text if not Path(text).is_dir() else str(Path(text) / "**" / "*.parquet"))
    if text in WORKBOOK_TABLES:
        return con.table(text)
    raise InvalidArgument("panel source", source, WORKBOOK_TABLES,
                          " Or pass a .parquet path (a glob or an s3:// URL), a DuckDB relation or a pandas DataFrame.")


def _run_duckdb(con, sql: str, params: list, tables: dict) -> pd.DataFrame:
    registered = []
    try:
        for name, source in tables.items():
            con.register(name, duckdb_relation(con, source))
            registered.append(name)
        return con.execute(sql, params).df()
    finally:
        for name in registered:
            con.unregister(name)


# --- Spark ----------------------------------------------------------------------------------------

_SPARK_TYPES = {"i": "bigint", "u": "bigint", "f": "double", "b": "boolean"}


def spark_frame(spark, source):
    """A Spark DataFrame from a Spark DataFrame, a pandas frame, a Parquet path/glob/URL or a table
    name in the session's catalog."""
    if _is_spark_frame(source):
        return source
    if isinstance(source, pd.DataFrame):
        # Built from plain tuples with an explicit schema: no pandas<->Arrow conversion (PySpark's
        # own pandas path lags pandas releases), and NaN becomes NULL as in DuckDB's pandas scan
        # (a Spark NaN is not NULL and sorts above every number).
        schema = ", ".join(f"`{c}` {_SPARK_TYPES.get(source[c].dtype.kind, 'string')}" for c in source.columns)
        clean = source.astype(object).where(source.notna(), None)
        return spark.createDataFrame([tuple(r) for r in clean.itertuples(index=False, name=None)], schema)
    text = str(source)
    if _is_path(text):
        return spark.read.parquet(text)
    if spark.catalog.tableExists(text):
        return spark.table(text)
    raise InvalidArgument("panel source", source, [],
                          " Pass a Spark DataFrame, a Parquet path (a glob or an s3a:// URL), a pandas DataFrame, "
                          "or the name of a table in the session's catalog.")


def to_spark_sql(sql: str, params: list, views: dict[str, str] | None = None, dialect: str = "spark") -> str:
    """The DuckDB ``sql`` as ``dialect`` SQL with ``params`` inlined and relations renamed by ``views``."""
    if sqlglot is None:
        raise ImportError(f"running the scale queries on Spark needs sqlglot: {SPARK_HINT}")
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = exp.replace_placeholders(tree, *params)
    if tree.find(exp.Placeholder) is not None:
        raise ValueError("more ? placeholders than parameters")
    for table in tree.find_all(exp.Table):
        if views and table.name in views and not table.args.get("db"):
            target = exp.to_table(views[table.name])   # "catalog.schema.table" keeps its three parts
            for part in ("this", "db", "catalog"):
                table.set(part, target.args.get(part))
    return tree.sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def _run_spark(spark, sql: str, params: list, tables: dict) -> pd.DataFrame:
    tag = uuid.uuid4().hex[:12]
    views = {name: f"rex_{name}_{tag}" for name in tables}
    text = to_spark_sql(sql, params, views)
    try:
        for name, source in tables.items():
            spark_frame(spark, source).createOrReplaceTempView(views[name])
        result = spark.sql(text)
        columns = result.columns
        rows = result.collect()
    finally:
        for view in views.values():
            spark.catalog.dropTempView(view)
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)


def run(con, sql: str, params: list, tables: dict) -> pd.DataFrame:
    """Run ``sql`` (DuckDB dialect, ``?`` parameters) on ``con`` with ``tables`` (name -> source)."""
    if is_spark(con):
        return _run_spark(con, sql, params, tables)
    if isinstance(con, duckdb.DuckDBPyConnection):
        return _run_duckdb(con, sql, params, tables)
    raise TypeError(f"con must be a duckdb connection or a pyspark SparkSession, not {type(con).__name__}")


def write_parquet(con, sql: str, params: list, tables: dict, dest: str) -> int:
    """Write the result of ``sql`` to ``dest`` as Parquet (a file on DuckDB, a folder on Spark);
    return its row count."""
    if is_spark(con):
        tag = uuid.uuid4().hex[:12]
        views = {name: f"rex_{name}_{tag}" for name in tables}
        try:
            for name, source in tables.items():
                spark_frame(con, source).createOrReplaceTempView(views[name])
            con.sql(to_spark_sql(sql, params, views)).write.mode("overwrite").parquet(str(dest))
        finally:
            for view in views.values():
                con.catalog.dropTempView(view)
        return con.read.parquet(str(dest)).count()
    registered = []
    try:
        for name, source in tables.items():
            con.register(name, duckdb_relation(con, source))
            registered.append(name)
        target = str(Path(dest)).replace("'", "''")
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT PARQUET)", params or None).fetchall()
        return con.execute("SELECT count(*) FROM read_parquet(?)", [str(Path(dest))]).fetchall()[0][0]
    finally:
        for name in registered:
            con.unregister(name)


def local_spark_session(cores: int = 2, *, shuffle_partitions: int | None = None, driver_memory: str = "2g",
                        app_name: str = "rex-scale"):
    """A local-mode SparkSession that stays on this machine: driver bound to 127.0.0.1, no web UI,
    no package downloads, a private warehouse folder, few shuffle partitions (the default 200 costs
    seconds of task scheduling on small aggregates). On a cluster, build your own session instead
    (docs/scaling.md) and pass it to the same functions."""
    # rexlib hands Spark no pandas objects (see spark_frame), so PySpark's pandas-version warning is noise
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:  # optional, heavy (a JVM gateway): imported only when a session is asked for
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise ImportError(f"Spark is an optional extra: {SPARK_HINT}") from err
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
    warehouse = Path(tempfile.gettempdir()) / "rex-spark-warehouse"
    builder = (SparkSession.builder.master(f"local[{cores}]").appName(app_name)
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.memory", driver_memory)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions or cores))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(warehouse)))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
