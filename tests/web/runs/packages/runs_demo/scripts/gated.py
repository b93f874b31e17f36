def main(ctx):
    return {"script": "gated"}
