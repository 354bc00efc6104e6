"""The forms of webapp by area: common fields and small forms, the node edit forms, the workspace forms,
and the one POST cycle they share (cycle)."""
