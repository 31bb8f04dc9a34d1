"""Checks of the built tables against each publisher's own figures (world totals, Fig. 2/3, T7, the IEA's
top-3, the EC study's groups); a failure is a build error unless metadata/corrections.yml allows it."""
