"""Activity records: what students did, recorded by hand, imported from CSV, or posted through the API."""
