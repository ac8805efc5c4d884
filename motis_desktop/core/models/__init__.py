"""Models: the catalogue of downloadable models (``registry`` + ``download``), installed models
(``installed``: every model is two ONNX towers and a manifest), the runtime (``engine``: onnxruntime,
no torch), each tower's precision chosen by measurement (``precision``), the tokenizers, and the torch
side, imported only to install, import or export: the source formats and their one-time conversion to
ONNX (``encoders``) and the torch towers they load into (``architectures``, the colour model among them)."""
