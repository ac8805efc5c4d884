"""Models: the catalogue of downloadable models (``registry`` + ``download``), installed models
(``installed``: every model is two ONNX towers and a manifest), the runtime (``engine``: onnxruntime,
no torch), each tower's precision chosen by measurement (``precision``), the tokenizer, the torch side
that converts source formats once at install (``encoders``) and the hand-made colour model (``colour``)."""
