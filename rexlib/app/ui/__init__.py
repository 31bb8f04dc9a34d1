"""Widget panels for the Voila apps in notebooks/. Each app module has ``app(**parameters)``."""
