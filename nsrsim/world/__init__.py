"""The North Sea Region world: shipped facts, the grid of land cells and travel times."""
