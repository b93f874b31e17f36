"""Accounts: users, tenants membership, the six levels, sessions, API tokens and lockout.

Build one `Accounts` per process (`Accounts.for_database(db, policy)`); see `service.py`.
"""
