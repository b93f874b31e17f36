def main(ctx):
    row = ctx.db.update("thread", ctx.input["id"], {"locked": True})
    return {"locked": row["locked"], "id": row["id"]}
