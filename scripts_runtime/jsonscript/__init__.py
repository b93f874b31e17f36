"""JSON-script: the original project's AST language, translated to Python for the sandbox."""
