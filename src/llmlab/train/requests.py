"""The mini-LLM's typed requests, importable without torch: what `llmlab train`, `generate`,
`export` and `runs` accept. The handlers that use torch live in ``llmlab.train.commands``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from llmlab.schema import Count, Input, Positional, Seed
from llmlab.train.runs import RunStore, check_run_name, default_runs_dir

RunName = Annotated[str, AfterValidator(check_run_name), Field(description="run name")]
Device = Annotated[str, Field(pattern=r"^(auto|cpu|mps|cuda(:\d{1,2})?)$")]
DEVICE = Field("auto", description="auto, cpu, cuda, cuda:N or mps (auto picks cuda, then mps, then the cpu)")
Path_ = Annotated[str, Field(min_length=1, max_length=4096)]


class RunsInput(Input):
    runs_dir: Path_ | None = Field(None, description="where runs live (default: $LLMLAB_HOME or ./runs)")

    def store(self, create: bool = True) -> RunStore:
        """The run store of ``runs_dir``; without ``create``, reading makes no folder or database."""
        return RunStore(Path(self.runs_dir) if self.runs_dir else default_runs_dir(), create=create)


class RunInput(RunsInput):
    run: RunName = Field(json_schema_extra=Positional, description="a run (see 'llmlab runs')")


class TrainInput(RunsInput):
    preset: Literal["tiny", "small", "moe-tiny"] | None = Field(
        None, description="model and training settings (default: tiny; resuming, the run's own)")
    steps: Count | None = Field(None, le=10_000_000, description="train to this step (default: the preset's)")
    name: RunName | None = Field(None, description="run name (default: preset and time); an existing name resumes it")
    data: Path_ | None = Field(None, description="a .txt file or folder of them (default: the packaged corpus)")
    model_json: Path_ | None = Field(None, description="a JSON file of ModelConfig fields, instead of the preset's")
    batch_size: Count | None = Field(None, le=4096, description="sequences per step")
    seq_len: Count | None = Field(None, le=65_536, description="tokens per sequence (at most the model's positions)")
    grad_accum: Count | None = Field(None, le=1024, description="micro-batches per optimizer step")
    lr: float | None = Field(None, gt=0, le=1, description="peak learning rate")
    schedule: Literal["cosine", "wsd"] | None = Field(None, description="learning-rate schedule")
    eval_every: Count | None = Field(None, le=10_000_000, description="steps between validations")
    checkpoint_every: Count | None = Field(None, le=10_000_000, description="steps between checkpoints")
    seed: Seed | None = None
    bf16: bool = Field(False, description="bf16 autocast (about 2x faster on CPUs with AVX512-BF16)")
    force: bool = Field(False, description="resume even though the settings differ from the run's")
    device: Device = DEVICE


class GenerateInput(RunInput):
    prompt: str = Field(max_length=100_000, description="text to continue")
    max_new_tokens: Count = Field(100, le=100_000, description="tokens to generate at most")
    temperature: float = Field(0.8, ge=0, le=100, description="0 = greedy")
    top_k: Count | None = Field(None, le=1_000_000, description="sample among the k likeliest tokens")
    top_p: float | None = Field(None, gt=0, le=1, description="nucleus sampling mass")
    seed: Seed | None = None
    device: Device = DEVICE


class ExportInput(RunInput):
    hf: Path_ = Field(description="output folder (new or empty)")
    force: bool = Field(False, description="replace a folder that is not empty")
