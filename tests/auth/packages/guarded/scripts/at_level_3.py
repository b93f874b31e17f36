def main(ctx):
    return {"level": 3}
