def main(ctx):
    return "1.1.0"
