"""JSON APIs under /api/v1: one module per domain, each exporting `routes()`."""
