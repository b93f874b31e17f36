def main(ctx):
    return {"level": 1}
