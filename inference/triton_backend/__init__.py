"""Triton Python-backend model copied into the generated local model repository by EmbeddedTriton."""
