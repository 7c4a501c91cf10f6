from tests.io.export.conftest import ww_records  # noqa: F401  (shared fixture)
