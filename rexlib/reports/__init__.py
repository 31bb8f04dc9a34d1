"""Scheduled reports: ``rex report`` renders the notebooks headless (papermill, one kernel per
report, parallel) into ``reports/<date>/<notebook>/<params>.html`` with an index per date.

Modules: ``cli`` (the command), ``plans`` (which reports: ``--all``, ``--plan daily``),
``params`` (parameter validation before any kernel starts), ``runner`` (parallel batch, skip
when up to date), ``render`` (one report, in its own process), ``html`` (self-contained page),
``index`` (index page, ``latest``), ``atomic`` (temp file + fsync + rename). See docs/reports.md.
"""
