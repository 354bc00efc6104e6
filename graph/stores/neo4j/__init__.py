"""The Neo4j store and its bulk writer."""
