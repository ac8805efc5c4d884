"""Models: the catalogue and its downloads, installed models, the ONNX runtime with each tower's precision, the
tokenizers; ``encoders`` and ``architectures`` are the torch side, imported only to install, import or export.
"""
