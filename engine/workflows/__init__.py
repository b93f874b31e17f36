"""Temporal workflows of MetaBuilder and their payload types.

Workflow modules import nothing but the SDK, the standard library and payload dataclasses, so
they load cleanly inside the workflow sandbox; side effects happen only in activities.
"""
