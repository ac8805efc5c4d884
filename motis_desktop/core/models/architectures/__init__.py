"""Torch towers that ``encoders`` loads checkpoint weights into (OpenAI's, open_clip's and timm's parameter
names), used only to be exported once to ONNX (``encoders.onnx_export``); docs/architecture/models.md maps them.
"""
