"""The network of an association's members: selection, analytics and export."""
