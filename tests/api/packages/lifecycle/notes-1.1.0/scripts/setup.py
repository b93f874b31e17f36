def main(ctx):
    ctx.kv.set("notes-setup", ctx.input["reason"])
    return 1
