"""The `medflow` command line: the composition root that wires every package into one Typer app."""
