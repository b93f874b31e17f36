def main(ctx):
    return "1.0.0"
