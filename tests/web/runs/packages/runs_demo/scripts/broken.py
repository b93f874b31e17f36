def main(ctx):
    return {"script": "broken"}
