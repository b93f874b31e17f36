def main(ctx):
    calls = ctx.kv.incr("flaky:" + ctx.input.get("key", "default"))
    if calls <= ctx.input.get("failures", 0):
        raise RuntimeError("flaky failure " + str(calls))
    return {"calls": calls}
