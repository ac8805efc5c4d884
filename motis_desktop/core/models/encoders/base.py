"""The encoder interface shared by every model backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.tokenizer import tokenize
from motis_desktop.core.vectors import l2_normalize

TowerFn = Callable[[torch.Tensor], torch.Tensor]


class Encoder:
    """Wraps an image tower and a text tower; outputs are L2-normalized float32 ``[B, D]``.

    ``model_id`` names the exact weights (embeddings are stored per model id),
    ``embed_dim`` the output size, ``preprocess_config`` what images must look like.
    ``mode`` is the inference mode of the towers (``core.models.modes``). With
    ``truncate_text`` (set only where measured to change nothing, e.g. causal text towers),
    token ids are cut after the last end-of-text token, so a short query costs a short run.
    """

    def __init__(
        self,
        model_id: str,
        embed_dim: int,
        image_tower: TowerFn,
        text_tower: TowerFn,
        preprocess_config: PreprocessConfig = PreprocessConfig(),
        context_length: int = 77,
    ) -> None:
        self.model_id = model_id
        self.embed_dim = embed_dim
        self.preprocess_config = preprocess_config
        self.context_length = context_length
        self._image_tower = image_tower
        self._text_tower = text_tower
        self.mode = "fp32"
        self.truncate_text = False

    def in_mode(self, mode: str) -> Encoder:
        """This model with both towers in inference ``mode`` (ModeUnavailable if they cannot be converted)."""
        from motis_desktop.core.models.modes import tower_in_mode

        other = Encoder(
            self.model_id,
            self.embed_dim,
            tower_in_mode(self._image_tower, mode),
            tower_in_mode(self._text_tower, mode),
            self.preprocess_config,
            self.context_length,
        )
        other.mode, other.truncate_text = mode, self.truncate_text
        if hasattr(self, "tokenize"):
            other.tokenize = self.tokenize  # type: ignore[attr-defined]
        return other

    def encode_images(self, batch: np.ndarray | torch.Tensor) -> np.ndarray:
        """``float32 [B, 3, S, S]`` preprocessed images → ``[B, D]`` unit vectors."""
        tensor = torch.as_tensor(batch, dtype=torch.float32)
        if tensor.ndim == 3:
            tensor = tensor.unsqueeze(0)
        return self._run(self._image_tower, tensor)

    def encode_texts(self, ids: torch.Tensor) -> np.ndarray:
        """``int64 [B, context]`` token ids → ``[B, D]`` unit vectors."""
        tensor = torch.as_tensor(ids, dtype=torch.long)
        if tensor.ndim == 1:
            tensor = tensor.unsqueeze(0)
        if self.truncate_text and tensor.numel():
            # CLIP's end-of-text token has the highest id; a causal tower never looks past it.
            tensor = tensor[:, : int(tensor.argmax(dim=1).max()) + 1]
        return self._run(self._text_tower, tensor)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Tokenize and encode query strings (with the model's own tokenizer where it has one)."""
        own = getattr(self, "tokenize", None)
        ids = own(list(texts)) if own is not None else tokenize(list(texts), self.context_length)
        return self.encode_texts(ids)

    def _run(self, tower: TowerFn, inputs: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            out = tower(inputs)
        out = out.detach().float()
        if out.ndim != 2 or out.shape[0] != inputs.shape[0] or out.shape[1] != self.embed_dim:
            raise RuntimeError(
                f"model returned shape {tuple(out.shape)}, expected [{inputs.shape[0]}, {self.embed_dim}]"
            )
        return l2_normalize(out.numpy())
