def main(ctx):
    raise ValueError("no warehouse configured")
