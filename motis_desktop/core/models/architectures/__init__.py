"""Torch ``nn.Module`` towers, used only at import/conversion time.

At run time every installed model is an ONNX image tower and an ONNX text tower; these modules exist to
take a checkpoint's weights (parameter names as OpenAI, open_clip and timm write them), fold what a
training-time architecture splits into branches, and be exported once (``encoders.onnx_export``). The
source formats that feed them are ``core.models.encoders``'.

- :mod:`.transformer`: the residual attention block the ViT and text towers share.
- :mod:`.clip`: our CLIP (OpenAI's ViT image tower and causal text tower, OpenAI's parameter names).
- :mod:`.text`: open_clip's text transformer (causal or not, ``argmax``/``last`` pooling, optional
  projection bias, exact, tanh or quick GELU): CLIP, SigLIP/SigLIP2 and MobileCLIP text towers.
- :mod:`.siglip`: timm's ViT as SigLIP uses it: no class token, attention-pooling (MAP) head.
- :mod:`.colour`: the hand-made colour pair with known answers (self-test and tests).
- :mod:`.fastvit`: Apple's FastViT/MCi image tower (MobileCLIP, MobileCLIP2), reparameterized.
"""
