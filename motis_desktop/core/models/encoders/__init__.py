"""The torch side of models: the source formats we accept and their one-time conversion to ONNX. Only install,
import, export and conversion import it (and torch); the runtime is ``core.models.engine``.
"""
