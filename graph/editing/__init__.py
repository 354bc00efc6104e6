"""Editing: who may edit what, versions, diffs, reverts and profiles."""
