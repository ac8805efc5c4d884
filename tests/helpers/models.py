"""Constants shared by the model-download tests and their local server."""

HF_PATH = "/timm/tiny-clip/resolve/abc123/open_clip_model.safetensors"
