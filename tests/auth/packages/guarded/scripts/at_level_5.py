def main(ctx):
    return {"level": 5}
