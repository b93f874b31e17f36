"""ASGI middleware of the web app, one concern per module."""
