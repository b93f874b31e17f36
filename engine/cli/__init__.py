"""The `metabuilder` command line: the composition root that wires the layers together.

The entry point is `engine.cli.main:main`.
"""
