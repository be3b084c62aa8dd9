"""Model code shared by the batch flow and the API: tokenizer, Triton client, ONNX export and serving."""
