def main(ctx):
    return {"level": 4}
