"""A fork-shaped training script for caddie's tests: the layout of openai/parameter-golf's train_gpt.py
(settings in `class Hyperparameters:` read from the environment, shards and tokenizer under ./data), small
enough to read. It does not train; `caddie doctor` and `caddie init` only read it and import its modules."""

import glob
import os

import torch


class Hyperparameters:
    data_path = os.environ.get("DATA_PATH", "./data/datasets/fineweb10B_sp1024")
    train_files = os.path.join(data_path, "fineweb_train_*.bin")
    val_files = os.path.join(data_path, "fineweb_val_*.bin")
    tokenizer_path = os.environ.get("TOKENIZER_PATH", "./data/tokenizers/fineweb_1024_bpe.model")
    run_id = os.environ.get("RUN_ID", "run")
    seed = int(os.environ.get("SEED", 1337))
    iterations = int(os.environ.get("ITERATIONS", 20000))
    warmup_steps = int(os.environ.get("WARMUP_STEPS", 20))
    train_seq_len = int(os.environ.get("TRAIN_SEQ_LEN", 1024))
    max_wallclock_seconds = float(os.environ.get("MAX_WALLCLOCK_SECONDS", 600.0))
    vocab_size = int(os.environ.get("VOCAB_SIZE", 1024))
    num_layers = int(os.environ.get("NUM_LAYERS", 9))
    model_dim = int(os.environ.get("MODEL_DIM", 512))
    tie_embeddings = bool(int(os.environ.get("TIE_EMBEDDINGS", "1")))
    matrix_lr = float(os.environ.get("MATRIX_LR", 0.04))
    muon_momentum = float(os.environ.get("MUON_MOMENTUM", 0.95))
    grad_clip_norm = float(os.environ.get("GRAD_CLIP_NORM", 0.0))


def main() -> None:
    args = Hyperparameters()
    shards = sorted(glob.glob(args.train_files))
    print(f"train_shards:{len(shards)} torch:{torch.__version__}")
    print(f"final_int8_zlib_roundtrip_exact val_loss:{0.0:.8f} val_bpb:{0.0:.8f}")
    print("written to final_model.int8.ptz")


if __name__ == "__main__":
    main()
