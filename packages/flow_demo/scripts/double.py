def main(ctx):
    return {"n": ctx.input.get("n", 0) * 2}
