"""The `ctx` API seen by sandboxed scripts (`api.Ctx`) and its output caps (`output`)."""
