from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FinishReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINISH_REASON_UNSPECIFIED: _ClassVar[FinishReason]
    FINISH_REASON_STOP: _ClassVar[FinishReason]
    FINISH_REASON_LENGTH: _ClassVar[FinishReason]

class LossAggregation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOSS_AGGREGATION_UNSPECIFIED: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_TOKEN_MEAN: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: _ClassVar[LossAggregation]
FINISH_REASON_UNSPECIFIED: FinishReason
FINISH_REASON_STOP: FinishReason
FINISH_REASON_LENGTH: FinishReason
LOSS_AGGREGATION_UNSPECIFIED: LossAggregation
LOSS_AGGREGATION_TOKEN_MEAN: LossAggregation
LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN: LossAggregation
LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: LossAggregation

class LoadRequest(_message.Message):
    __slots__ = ("model", "dtype", "device", "seed", "optimizer", "lora", "kl_reference", "gradient_checkpointing", "precision", "max_tokens_per_micro_batch", "chat_template")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    KL_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CHECKPOINTING_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_MICRO_BATCH_FIELD_NUMBER: _ClassVar[int]
    CHAT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    model: str
    dtype: str
    device: str
    seed: int
    optimizer: Optimizer
    lora: Lora
    kl_reference: bool
    gradient_checkpointing: bool
    precision: str
    max_tokens_per_micro_batch: int
    chat_template: bool
    def __init__(self, model: _Optional[str] = ..., dtype: _Optional[str] = ..., device: _Optional[str] = ..., seed: _Optional[int] = ..., optimizer: _Optional[_Union[Optimizer, _Mapping]] = ..., lora: _Optional[_Union[Lora, _Mapping]] = ..., kl_reference: _Optional[bool] = ..., gradient_checkpointing: _Optional[bool] = ..., precision: _Optional[str] = ..., max_tokens_per_micro_batch: _Optional[int] = ..., chat_template: _Optional[bool] = ...) -> None: ...

class Optimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "grad_clip")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GRAD_CLIP_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    grad_clip: float
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., grad_clip: _Optional[float] = ...) -> None: ...

class Lora(_message.Message):
    __slots__ = ("rank", "alpha", "dropout", "target_modules")
    RANK_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_FIELD_NUMBER: _ClassVar[int]
    TARGET_MODULES_FIELD_NUMBER: _ClassVar[int]
    rank: int
    alpha: float
    dropout: float
    target_modules: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rank: _Optional[int] = ..., alpha: _Optional[float] = ..., dropout: _Optional[float] = ..., target_modules: _Optional[_Iterable[str]] = ...) -> None: ...

class LoadResponse(_message.Message):
    __slots__ = ("model", "settings")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    settings: LoadedSettings
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ..., settings: _Optional[_Union[LoadedSettings, _Mapping]] = ...) -> None: ...

class LoadedSettings(_message.Message):
    __slots__ = ("seed", "optimizer", "lora", "kl_reference", "gradient_checkpointing", "precision", "max_tokens_per_micro_batch", "chat_template")
    SEED_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    KL_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CHECKPOINTING_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_MICRO_BATCH_FIELD_NUMBER: _ClassVar[int]
    CHAT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    seed: int
    optimizer: Optimizer
    lora: Lora
    kl_reference: bool
    gradient_checkpointing: bool
    precision: str
    max_tokens_per_micro_batch: int
    chat_template: bool
    def __init__(self, seed: _Optional[int] = ..., optimizer: _Optional[_Union[Optimizer, _Mapping]] = ..., lora: _Optional[_Union[Lora, _Mapping]] = ..., kl_reference: _Optional[bool] = ..., gradient_checkpointing: _Optional[bool] = ..., precision: _Optional[str] = ..., max_tokens_per_micro_batch: _Optional[int] = ..., chat_template: _Optional[bool] = ...) -> None: ...

class SampleRequest(_message.Message):
    __slots__ = ("groups", "seed", "discard_rollouts", "max_tokens_per_batch")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    DISCARD_ROLLOUTS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_BATCH_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[PromptGroup]
    seed: int
    discard_rollouts: bool
    max_tokens_per_batch: int
    def __init__(self, groups: _Optional[_Iterable[_Union[PromptGroup, _Mapping]]] = ..., seed: _Optional[int] = ..., discard_rollouts: _Optional[bool] = ..., max_tokens_per_batch: _Optional[int] = ...) -> None: ...

class PromptGroup(_message.Message):
    __slots__ = ("text", "messages", "n", "temperature", "top_p", "max_new_tokens", "stop")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    text: str
    messages: _containers.RepeatedCompositeFieldContainer[ChatMessage]
    n: int
    temperature: float
    top_p: float
    max_new_tokens: int
    stop: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[ChatMessage, _Mapping]]] = ..., n: _Optional[int] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_new_tokens: _Optional[int] = ..., stop: _Optional[_Iterable[str]] = ...) -> None: ...

class ChatMessage(_message.Message):
    __slots__ = ("role", "content")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    role: str
    content: str
    def __init__(self, role: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class SampleResponse(_message.Message):
    __slots__ = ("groups", "total_tokens", "prompt_tokens", "seconds")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[CompletionGroup]
    total_tokens: int
    prompt_tokens: int
    seconds: float
    def __init__(self, groups: _Optional[_Iterable[_Union[CompletionGroup, _Mapping]]] = ..., total_tokens: _Optional[int] = ..., prompt_tokens: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class CompletionGroup(_message.Message):
    __slots__ = ("completions", "sampled")
    COMPLETIONS_FIELD_NUMBER: _ClassVar[int]
    SAMPLED_FIELD_NUMBER: _ClassVar[int]
    completions: _containers.RepeatedCompositeFieldContainer[Completion]
    sampled: PromptGroup
    def __init__(self, completions: _Optional[_Iterable[_Union[Completion, _Mapping]]] = ..., sampled: _Optional[_Union[PromptGroup, _Mapping]] = ...) -> None: ...

class Completion(_message.Message):
    __slots__ = ("rollout_id", "text", "tokens", "finish_reason", "entropy", "neg_log_prob")
    ROLLOUT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    NEG_LOG_PROB_FIELD_NUMBER: _ClassVar[int]
    rollout_id: str
    text: str
    tokens: int
    finish_reason: FinishReason
    entropy: float
    neg_log_prob: float
    def __init__(self, rollout_id: _Optional[str] = ..., text: _Optional[str] = ..., tokens: _Optional[int] = ..., finish_reason: _Optional[_Union[FinishReason, str]] = ..., entropy: _Optional[float] = ..., neg_log_prob: _Optional[float] = ...) -> None: ...

class TrainRequest(_message.Message):
    __slots__ = ("items", "loss", "keep_rollouts", "max_tokens_per_micro_batch")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    KEEP_ROLLOUTS_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_MICRO_BATCH_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[TrainItem]
    loss: LossSettings
    keep_rollouts: bool
    max_tokens_per_micro_batch: int
    def __init__(self, items: _Optional[_Iterable[_Union[TrainItem, _Mapping]]] = ..., loss: _Optional[_Union[LossSettings, _Mapping]] = ..., keep_rollouts: _Optional[bool] = ..., max_tokens_per_micro_batch: _Optional[int] = ...) -> None: ...

class TrainItem(_message.Message):
    __slots__ = ("rollout_id", "advantage", "token_advantages")
    ROLLOUT_ID_FIELD_NUMBER: _ClassVar[int]
    ADVANTAGE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ADVANTAGES_FIELD_NUMBER: _ClassVar[int]
    rollout_id: str
    advantage: float
    token_advantages: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, rollout_id: _Optional[str] = ..., advantage: _Optional[float] = ..., token_advantages: _Optional[_Iterable[float]] = ...) -> None: ...

class LossSettings(_message.Message):
    __slots__ = ("clip_low", "clip_high", "dual_clip", "aggregation", "kl_coef", "entropy_coef", "entropy_adv_alpha", "entropy_adv_kappa", "mini_batch_size", "micro_batch_size", "epochs", "shuffle_seed", "lr")
    CLIP_LOW_FIELD_NUMBER: _ClassVar[int]
    CLIP_HIGH_FIELD_NUMBER: _ClassVar[int]
    DUAL_CLIP_FIELD_NUMBER: _ClassVar[int]
    AGGREGATION_FIELD_NUMBER: _ClassVar[int]
    KL_COEF_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_ADV_ALPHA_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_ADV_KAPPA_FIELD_NUMBER: _ClassVar[int]
    MINI_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MICRO_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SHUFFLE_SEED_FIELD_NUMBER: _ClassVar[int]
    LR_FIELD_NUMBER: _ClassVar[int]
    clip_low: float
    clip_high: float
    dual_clip: float
    aggregation: LossAggregation
    kl_coef: float
    entropy_coef: float
    entropy_adv_alpha: float
    entropy_adv_kappa: float
    mini_batch_size: int
    micro_batch_size: int
    epochs: int
    shuffle_seed: int
    lr: float
    def __init__(self, clip_low: _Optional[float] = ..., clip_high: _Optional[float] = ..., dual_clip: _Optional[float] = ..., aggregation: _Optional[_Union[LossAggregation, str]] = ..., kl_coef: _Optional[float] = ..., entropy_coef: _Optional[float] = ..., entropy_adv_alpha: _Optional[float] = ..., entropy_adv_kappa: _Optional[float] = ..., mini_batch_size: _Optional[int] = ..., micro_batch_size: _Optional[int] = ..., epochs: _Optional[int] = ..., shuffle_seed: _Optional[int] = ..., lr: _Optional[float] = ...) -> None: ...

class TrainResponse(_message.Message):
    __slots__ = ("entropy", "entropy_sampled", "policy_loss", "clip_fraction_low", "clip_fraction_high", "clip_fraction_dual", "approx_kl", "kl", "grad_norm", "lr", "tokens", "optimizer_steps", "step", "seconds", "non_finite_steps", "micro_batches", "loss_logits_bytes", "peak_memory_bytes", "loss")
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_SAMPLED_FIELD_NUMBER: _ClassVar[int]
    POLICY_LOSS_FIELD_NUMBER: _ClassVar[int]
    CLIP_FRACTION_LOW_FIELD_NUMBER: _ClassVar[int]
    CLIP_FRACTION_HIGH_FIELD_NUMBER: _ClassVar[int]
    CLIP_FRACTION_DUAL_FIELD_NUMBER: _ClassVar[int]
    APPROX_KL_FIELD_NUMBER: _ClassVar[int]
    KL_FIELD_NUMBER: _ClassVar[int]
    GRAD_NORM_FIELD_NUMBER: _ClassVar[int]
    LR_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_STEPS_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    NON_FINITE_STEPS_FIELD_NUMBER: _ClassVar[int]
    MICRO_BATCHES_FIELD_NUMBER: _ClassVar[int]
    LOSS_LOGITS_BYTES_FIELD_NUMBER: _ClassVar[int]
    PEAK_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    entropy: float
    entropy_sampled: float
    policy_loss: float
    clip_fraction_low: float
    clip_fraction_high: float
    clip_fraction_dual: float
    approx_kl: float
    kl: float
    grad_norm: float
    lr: float
    tokens: int
    optimizer_steps: int
    step: int
    seconds: float
    non_finite_steps: int
    micro_batches: int
    loss_logits_bytes: int
    peak_memory_bytes: int
    loss: LossSettings
    def __init__(self, entropy: _Optional[float] = ..., entropy_sampled: _Optional[float] = ..., policy_loss: _Optional[float] = ..., clip_fraction_low: _Optional[float] = ..., clip_fraction_high: _Optional[float] = ..., clip_fraction_dual: _Optional[float] = ..., approx_kl: _Optional[float] = ..., kl: _Optional[float] = ..., grad_norm: _Optional[float] = ..., lr: _Optional[float] = ..., tokens: _Optional[int] = ..., optimizer_steps: _Optional[int] = ..., step: _Optional[int] = ..., seconds: _Optional[float] = ..., non_finite_steps: _Optional[int] = ..., micro_batches: _Optional[int] = ..., loss_logits_bytes: _Optional[int] = ..., peak_memory_bytes: _Optional[int] = ..., loss: _Optional[_Union[LossSettings, _Mapping]] = ...) -> None: ...

class ReleaseRolloutsRequest(_message.Message):
    __slots__ = ("rollout_ids",)
    ROLLOUT_IDS_FIELD_NUMBER: _ClassVar[int]
    rollout_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rollout_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ReleaseRolloutsResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: int
    def __init__(self, released: _Optional[int] = ...) -> None: ...

class SaveCheckpointRequest(_message.Message):
    __slots__ = ("path", "merge_adapter")
    PATH_FIELD_NUMBER: _ClassVar[int]
    MERGE_ADAPTER_FIELD_NUMBER: _ClassVar[int]
    path: str
    merge_adapter: bool
    def __init__(self, path: _Optional[str] = ..., merge_adapter: _Optional[bool] = ...) -> None: ...

class SaveCheckpointResponse(_message.Message):
    __slots__ = ("path", "step", "bytes", "seconds")
    PATH_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    path: str
    step: int
    bytes: int
    seconds: float
    def __init__(self, path: _Optional[str] = ..., step: _Optional[int] = ..., bytes: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class LoadCheckpointRequest(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class LoadCheckpointResponse(_message.Message):
    __slots__ = ("step", "model")
    STEP_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    step: int
    model: ModelInfo
    def __init__(self, step: _Optional[int] = ..., model: _Optional[_Union[ModelInfo, _Mapping]] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ("model", "engine_version", "torch_version", "transformers_version", "cuda_available", "rollouts_held", "rollout_tokens_held")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ENGINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TORCH_VERSION_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMERS_VERSION_FIELD_NUMBER: _ClassVar[int]
    CUDA_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    ROLLOUTS_HELD_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_TOKENS_HELD_FIELD_NUMBER: _ClassVar[int]
    model: ModelInfo
    engine_version: str
    torch_version: str
    transformers_version: str
    cuda_available: bool
    rollouts_held: int
    rollout_tokens_held: int
    def __init__(self, model: _Optional[_Union[ModelInfo, _Mapping]] = ..., engine_version: _Optional[str] = ..., torch_version: _Optional[str] = ..., transformers_version: _Optional[str] = ..., cuda_available: _Optional[bool] = ..., rollouts_held: _Optional[int] = ..., rollout_tokens_held: _Optional[int] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HealthResponse(_message.Message):
    __slots__ = ("serving", "model_loaded")
    SERVING_FIELD_NUMBER: _ClassVar[int]
    MODEL_LOADED_FIELD_NUMBER: _ClassVar[int]
    serving: bool
    model_loaded: bool
    def __init__(self, serving: _Optional[bool] = ..., model_loaded: _Optional[bool] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("model", "path", "model_type", "parameters", "trainable_parameters", "vocab_size", "max_context", "device", "dtype", "memory_bytes", "kl_reference", "lora", "step", "lr", "precision", "max_tokens_per_micro_batch", "gradient_checkpointing", "chat_template", "needs_restore")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    MODEL_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    KL_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    LR_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_MICRO_BATCH_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CHECKPOINTING_FIELD_NUMBER: _ClassVar[int]
    CHAT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    NEEDS_RESTORE_FIELD_NUMBER: _ClassVar[int]
    model: str
    path: str
    model_type: str
    parameters: int
    trainable_parameters: int
    vocab_size: int
    max_context: int
    device: str
    dtype: str
    memory_bytes: int
    kl_reference: bool
    lora: bool
    step: int
    lr: float
    precision: str
    max_tokens_per_micro_batch: int
    gradient_checkpointing: bool
    chat_template: bool
    needs_restore: bool
    def __init__(self, model: _Optional[str] = ..., path: _Optional[str] = ..., model_type: _Optional[str] = ..., parameters: _Optional[int] = ..., trainable_parameters: _Optional[int] = ..., vocab_size: _Optional[int] = ..., max_context: _Optional[int] = ..., device: _Optional[str] = ..., dtype: _Optional[str] = ..., memory_bytes: _Optional[int] = ..., kl_reference: _Optional[bool] = ..., lora: _Optional[bool] = ..., step: _Optional[int] = ..., lr: _Optional[float] = ..., precision: _Optional[str] = ..., max_tokens_per_micro_batch: _Optional[int] = ..., gradient_checkpointing: _Optional[bool] = ..., chat_template: _Optional[bool] = ..., needs_restore: _Optional[bool] = ...) -> None: ...
