"""Feature families: one module per family, each declaring its features in the registry."""
