"""Image/text encoders behind one interface (:class:`Encoder`).

Two backends: a seed-format TorchScript pair (``torchscript_pair``) and an
OpenAI/open_clip ViT checkpoint run by our own ``torch.nn`` CLIP
(``checkpoint``). Both return L2-normalized float32 NumPy arrays.
"""

from motis_desktop.core.models.encoders.base import Encoder

__all__ = ["Encoder"]
