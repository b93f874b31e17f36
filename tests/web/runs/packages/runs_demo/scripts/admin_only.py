def main(ctx):
    return {"script": "admin_only"}
