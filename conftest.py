# Repository root on sys.path for tests (pytest's pythonpath setting does the same).
