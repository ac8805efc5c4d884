"""Torch ``nn.Module`` towers of the open_clip family, used only at import/conversion time.

At run time every installed model is an ONNX image tower and an ONNX text tower; these modules
exist to load a checkpoint's weights (parameter names as open_clip/timm write them), fold what a
training-time architecture splits into branches, and be exported once.

- :mod:`.transformer`: the residual attention block all of them (and our CLIP) share.
- :mod:`.text`: open_clip's text transformer (causal or not, ``argmax``/``last`` pooling, optional
  projection bias, exact or tanh GELU): CLIP, SigLIP/SigLIP2 and MobileCLIP text towers.
- :mod:`.siglip`: timm's ViT as SigLIP uses it: no class token, attention-pooling (MAP) head.
- :mod:`.fastvit`: Apple's FastViT/MCi image tower (MobileCLIP, MobileCLIP2), reparameterized.
- :mod:`.open_clip_hf`: the Hugging Face layout (``open_clip_config.json`` +
  ``open_clip_model.safetensors`` [+ ``tokenizer.json``]) read into those towers.
"""
