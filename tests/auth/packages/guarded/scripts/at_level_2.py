def main(ctx):
    return {"level": 2}
