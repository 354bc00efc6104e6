"""Getting data in: seeds, members, twin towns (and the merging of duplicate towns they made), questionnaires, spreadsheets, exchange files, id migrations."""
