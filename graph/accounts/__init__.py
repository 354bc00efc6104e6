"""Accounts: who may sign in, their roles and scopes."""
