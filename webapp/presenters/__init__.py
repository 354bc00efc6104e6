"""What pages show, by area: nodes and references, changes, the workspace, the radar figure.

Presenters turn domain values into plain dicts for the templates and the JSON twins; they read, never write."""
