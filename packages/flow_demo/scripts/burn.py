def main(ctx):
    total = 0
    for i in range(160000):
        total = (total + i * i) % 1000003
    return {"n": ctx.input.get("n", 0) + 1, "total": total}
