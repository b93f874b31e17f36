def main(ctx):
    return {"script": "echo"}
