"""`lstm-gui convert m.json m.py`: a PyTorch script and its weights (m.safetensors beside it).

The other PyTorch paths need nothing here: ``convert m.json m.safetensors`` and ``train --out
m.safetensors`` save by extension (files/modelfile.py), and ``convert torch.safetensors
m.json`` and ``train --from torch.safetensors`` open the file as any model file.
"""
from __future__ import annotations

import sys
from pathlib import Path


def convert_to_script(run, src: Path, dst: Path) -> int:
    """Write dst (.py) and the .safetensors beside it; 0, or 1 with one line on stderr."""
    from ..core.files import pytorch
    from .support import OutputError, check_output

    weights = pytorch.weights_path(dst)
    try:
        check_output(weights, (weights.suffix,), "weights file")
        written = pytorch.export_run(run, dst, source=Path(src).name)
    except OutputError as exc:
        print(f"lstm-gui convert: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        from .options import save_error
        print(f"lstm-gui convert: {save_error(dst, exc)}", file=sys.stderr)
        return 1
    print(f"wrote {written[1]} and {written[0]} (python {written[1].name} prints the MSE, "
          f"{run.current_mse():.6g} here)")
    return 0
