"""The app layer: ``ui/`` (one widget panel per app, sections from frames), the Voila page template
(``voila_config/``), ``publish`` (every view as a static page when the data is built), ``site_static/``
(the published pages' scripts and styles), ``site_files`` (how published files are sent), ``serve`` and
``serve_app`` (the server: published pages plus the live Voila apps)."""
