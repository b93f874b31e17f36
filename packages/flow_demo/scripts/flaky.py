def main(ctx):
    calls = ctx.kv.incr("flaky:" + ctx.input["key"])
    if calls <= ctx.input.get("failures", 2):
        raise RuntimeError("flaky failure " + str(calls))
    return {"calls": calls}
