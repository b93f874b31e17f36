def main(ctx):
    return {"level": 0}
