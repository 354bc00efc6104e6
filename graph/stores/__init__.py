"""The two stores behind one interface: the interface (base), SQLite and Neo4j."""
