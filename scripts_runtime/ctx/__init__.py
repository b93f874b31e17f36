"""The `ctx` API seen by sandboxed scripts (`api.Ctx`) and its output caps (`output`).

What a script author writes against::

    def main(ctx):
        ctx.input                      # the run's input (validated against the manifest's
                                       # input schema before the script starts)
        ctx.user.id, ctx.user.level    # the caller (level 0..5)
        ctx.tenant.id, ctx.tenant.slug
        ctx.db.list("post", where={"score": {"gte": 3}}, order_by="-score", limit=20)
        ctx.db.read("post", id)        # None when absent or not visible
        ctx.db.create("post", {...}); ctx.db.update("post", id, {...}); ctx.db.delete("post", id)
        ctx.db.count("post", where=...); ctx.db.search("post", "words", limit=10)
        ctx.kv.get(key, default); ctx.kv.set(key, value, ttl_s=60); ctx.kv.delete(key)
        ctx.kv.incr(key, by=1)
        ctx.http.get(url); ctx.http.post(url, json={...})
        ctx.http.request(method, url, headers=..., body=..., json=..., timeout_s=...)
                                       # -> {"status", "headers", "text", "json"}; only hosts
                                       #    in the tenant's allow-list
        ctx.secrets.get("name")        # a tenant secret, or None; secrets cannot be listed
        ctx.log("any", "values"); ctx.log.error(...)   # also print(...)
        ctx.emit("event.name", {...})  # events returned with the result
        ctx.now()                      # aware UTC datetime
        return {...}                   # JSON-serialisable

A refused host call raises `HostError` (with `.code` and `.message`) inside the script.
"""
