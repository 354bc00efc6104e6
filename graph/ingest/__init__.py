"""Getting data in: seeds, members, twin towns, questionnaires, spreadsheets, exchange files, id migrations."""
