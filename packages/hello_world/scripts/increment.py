def main(ctx):
    count = ctx.kv.incr("counter")
    ctx.log("counter is now", count)
    return {"count": count}
