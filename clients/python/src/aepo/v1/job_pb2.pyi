import datetime

from aepo.v1 import job_state_pb2 as _job_state_pb2
from aepo.v1 import record_pb2 as _record_pb2
from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Precision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRECISION_UNSPECIFIED: _ClassVar[Precision]
    PRECISION_FP32: _ClassVar[Precision]
    PRECISION_BF16_MIXED: _ClassVar[Precision]
    PRECISION_BF16_PURE: _ClassVar[Precision]

class Algorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALGORITHM_UNSPECIFIED: _ClassVar[Algorithm]
    ALGORITHM_AEPO: _ClassVar[Algorithm]
    ALGORITHM_GRPO: _ClassVar[Algorithm]
    ALGORITHM_ENTROPY_REG: _ClassVar[Algorithm]
    ALGORITHM_ENTROPY_ADV: _ClassVar[Algorithm]

class EntropyEstimator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTROPY_ESTIMATOR_UNSPECIFIED: _ClassVar[EntropyEstimator]
    ENTROPY_ESTIMATOR_FULL_VOCAB: _ClassVar[EntropyEstimator]
    ENTROPY_ESTIMATOR_SAMPLED_TOKEN: _ClassVar[EntropyEstimator]

class ScheduleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULE_KIND_UNSPECIFIED: _ClassVar[ScheduleKind]
    SCHEDULE_KIND_LINEAR: _ClassVar[ScheduleKind]
    SCHEDULE_KIND_COSINE: _ClassVar[ScheduleKind]
    SCHEDULE_KIND_PIECEWISE: _ClassVar[ScheduleKind]

class ControllerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTROLLER_KIND_UNSPECIFIED: _ClassVar[ControllerKind]
    CONTROLLER_KIND_BANG_BANG: _ClassVar[ControllerKind]
    CONTROLLER_KIND_PROPORTIONAL: _ClassVar[ControllerKind]
    CONTROLLER_KIND_DUAL: _ClassVar[ControllerKind]

class ControlVariable(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTROL_VARIABLE_UNSPECIFIED: _ClassVar[ControlVariable]
    CONTROL_VARIABLE_TEMPERATURE: _ClassVar[ControlVariable]
    CONTROL_VARIABLE_SHARE: _ClassVar[ControlVariable]

class LossAggregation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOSS_AGGREGATION_UNSPECIFIED: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_TOKEN_MEAN: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN: _ClassVar[LossAggregation]
    LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: _ClassVar[LossAggregation]
PRECISION_UNSPECIFIED: Precision
PRECISION_FP32: Precision
PRECISION_BF16_MIXED: Precision
PRECISION_BF16_PURE: Precision
ALGORITHM_UNSPECIFIED: Algorithm
ALGORITHM_AEPO: Algorithm
ALGORITHM_GRPO: Algorithm
ALGORITHM_ENTROPY_REG: Algorithm
ALGORITHM_ENTROPY_ADV: Algorithm
ENTROPY_ESTIMATOR_UNSPECIFIED: EntropyEstimator
ENTROPY_ESTIMATOR_FULL_VOCAB: EntropyEstimator
ENTROPY_ESTIMATOR_SAMPLED_TOKEN: EntropyEstimator
SCHEDULE_KIND_UNSPECIFIED: ScheduleKind
SCHEDULE_KIND_LINEAR: ScheduleKind
SCHEDULE_KIND_COSINE: ScheduleKind
SCHEDULE_KIND_PIECEWISE: ScheduleKind
CONTROLLER_KIND_UNSPECIFIED: ControllerKind
CONTROLLER_KIND_BANG_BANG: ControllerKind
CONTROLLER_KIND_PROPORTIONAL: ControllerKind
CONTROLLER_KIND_DUAL: ControllerKind
CONTROL_VARIABLE_UNSPECIFIED: ControlVariable
CONTROL_VARIABLE_TEMPERATURE: ControlVariable
CONTROL_VARIABLE_SHARE: ControlVariable
LOSS_AGGREGATION_UNSPECIFIED: LossAggregation
LOSS_AGGREGATION_TOKEN_MEAN: LossAggregation
LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN: LossAggregation
LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: LossAggregation

class Job(_message.Message):
    __slots__ = ("name", "display_name", "spec", "state", "create_time", "start_time", "end_time", "update_time", "error", "attempt", "current_step", "cancel_requested", "pause_requested", "entropy_target_revision", "latest_step", "best_checkpoint", "lease_expirations", "exported_model_uri")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_STEP_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    PAUSE_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_REVISION_FIELD_NUMBER: _ClassVar[int]
    LATEST_STEP_FIELD_NUMBER: _ClassVar[int]
    BEST_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    LEASE_EXPIRATIONS_FIELD_NUMBER: _ClassVar[int]
    EXPORTED_MODEL_URI_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    spec: JobSpec
    state: _job_state_pb2.JobState
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    error: _status_pb2.Status
    attempt: int
    current_step: int
    cancel_requested: bool
    pause_requested: bool
    entropy_target_revision: int
    latest_step: _record_pb2.StepRecord
    best_checkpoint: str
    lease_expirations: int
    exported_model_uri: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., spec: _Optional[_Union[JobSpec, _Mapping]] = ..., state: _Optional[_Union[_job_state_pb2.JobState, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., attempt: _Optional[int] = ..., current_step: _Optional[int] = ..., cancel_requested: _Optional[bool] = ..., pause_requested: _Optional[bool] = ..., entropy_target_revision: _Optional[int] = ..., latest_step: _Optional[_Union[_record_pb2.StepRecord, _Mapping]] = ..., best_checkpoint: _Optional[str] = ..., lease_expirations: _Optional[int] = ..., exported_model_uri: _Optional[str] = ...) -> None: ...

class JobSpec(_message.Message):
    __slots__ = ("base_model", "training_dataset", "validation_dataset", "algorithm", "entropy_target", "aepo", "rollout", "optimization", "entropy_reg", "entropy_adv", "grader", "validation", "checkpoint", "labels", "model", "mlflow")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATASET_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_DATASET_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_FIELD_NUMBER: _ClassVar[int]
    AEPO_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZATION_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_REG_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_ADV_FIELD_NUMBER: _ClassVar[int]
    GRADER_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MLFLOW_FIELD_NUMBER: _ClassVar[int]
    base_model: str
    training_dataset: str
    validation_dataset: str
    algorithm: Algorithm
    entropy_target: EntropyTarget
    aepo: AepoConfig
    rollout: RolloutConfig
    optimization: OptimizationConfig
    entropy_reg: EntropyRegConfig
    entropy_adv: EntropyAdvConfig
    grader: GraderSpec
    validation: ValidationConfig
    checkpoint: CheckpointConfig
    labels: _containers.ScalarMap[str, str]
    model: ModelConfig
    mlflow: MlflowTracking
    def __init__(self, base_model: _Optional[str] = ..., training_dataset: _Optional[str] = ..., validation_dataset: _Optional[str] = ..., algorithm: _Optional[_Union[Algorithm, str]] = ..., entropy_target: _Optional[_Union[EntropyTarget, _Mapping]] = ..., aepo: _Optional[_Union[AepoConfig, _Mapping]] = ..., rollout: _Optional[_Union[RolloutConfig, _Mapping]] = ..., optimization: _Optional[_Union[OptimizationConfig, _Mapping]] = ..., entropy_reg: _Optional[_Union[EntropyRegConfig, _Mapping]] = ..., entropy_adv: _Optional[_Union[EntropyAdvConfig, _Mapping]] = ..., grader: _Optional[_Union[GraderSpec, _Mapping]] = ..., validation: _Optional[_Union[ValidationConfig, _Mapping]] = ..., checkpoint: _Optional[_Union[CheckpointConfig, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., model: _Optional[_Union[ModelConfig, _Mapping]] = ..., mlflow: _Optional[_Union[MlflowTracking, _Mapping]] = ...) -> None: ...

class MlflowTracking(_message.Message):
    __slots__ = ("tracking_uri", "experiment_name", "registered_model_name")
    TRACKING_URI_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    tracking_uri: str
    experiment_name: str
    registered_model_name: str
    def __init__(self, tracking_uri: _Optional[str] = ..., experiment_name: _Optional[str] = ..., registered_model_name: _Optional[str] = ...) -> None: ...

class ModelConfig(_message.Message):
    __slots__ = ("precision", "max_tokens_per_micro_batch", "gradient_checkpointing", "adapter", "chat_template")
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_PER_MICRO_BATCH_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CHECKPOINTING_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    CHAT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    precision: Precision
    max_tokens_per_micro_batch: int
    gradient_checkpointing: bool
    adapter: LoraAdapter
    chat_template: bool
    def __init__(self, precision: _Optional[_Union[Precision, str]] = ..., max_tokens_per_micro_batch: _Optional[int] = ..., gradient_checkpointing: _Optional[bool] = ..., adapter: _Optional[_Union[LoraAdapter, _Mapping]] = ..., chat_template: _Optional[bool] = ...) -> None: ...

class LoraAdapter(_message.Message):
    __slots__ = ("rank", "alpha", "dropout", "target_modules", "export_merged")
    RANK_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_FIELD_NUMBER: _ClassVar[int]
    TARGET_MODULES_FIELD_NUMBER: _ClassVar[int]
    EXPORT_MERGED_FIELD_NUMBER: _ClassVar[int]
    rank: int
    alpha: float
    dropout: float
    target_modules: _containers.RepeatedScalarFieldContainer[str]
    export_merged: bool
    def __init__(self, rank: _Optional[int] = ..., alpha: _Optional[float] = ..., dropout: _Optional[float] = ..., target_modules: _Optional[_Iterable[str]] = ..., export_merged: _Optional[bool] = ...) -> None: ...

class EntropyTarget(_message.Message):
    __slots__ = ("constant", "schedule", "tolerance", "estimator")
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATOR_FIELD_NUMBER: _ClassVar[int]
    constant: float
    schedule: EntropySchedule
    tolerance: float
    estimator: EntropyEstimator
    def __init__(self, constant: _Optional[float] = ..., schedule: _Optional[_Union[EntropySchedule, _Mapping]] = ..., tolerance: _Optional[float] = ..., estimator: _Optional[_Union[EntropyEstimator, str]] = ...) -> None: ...

class EntropySchedule(_message.Message):
    __slots__ = ("kind", "start_value", "end_value", "start_step", "end_step", "points")
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_VALUE_FIELD_NUMBER: _ClassVar[int]
    END_VALUE_FIELD_NUMBER: _ClassVar[int]
    START_STEP_FIELD_NUMBER: _ClassVar[int]
    END_STEP_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    kind: ScheduleKind
    start_value: float
    end_value: float
    start_step: int
    end_step: int
    points: _containers.RepeatedCompositeFieldContainer[SchedulePoint]
    def __init__(self, kind: _Optional[_Union[ScheduleKind, str]] = ..., start_value: _Optional[float] = ..., end_value: _Optional[float] = ..., start_step: _Optional[int] = ..., end_step: _Optional[int] = ..., points: _Optional[_Iterable[_Union[SchedulePoint, _Mapping]]] = ...) -> None: ...

class SchedulePoint(_message.Message):
    __slots__ = ("step", "value")
    STEP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    step: int
    value: float
    def __init__(self, step: _Optional[int] = ..., value: _Optional[float] = ...) -> None: ...

class AepoConfig(_message.Message):
    __slots__ = ("t_high", "t_low", "resample_fraction", "reinforce_count", "reinforce_fraction", "halve_above_target", "positive_threshold", "controller")
    T_HIGH_FIELD_NUMBER: _ClassVar[int]
    T_LOW_FIELD_NUMBER: _ClassVar[int]
    RESAMPLE_FRACTION_FIELD_NUMBER: _ClassVar[int]
    REINFORCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REINFORCE_FRACTION_FIELD_NUMBER: _ClassVar[int]
    HALVE_ABOVE_TARGET_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CONTROLLER_FIELD_NUMBER: _ClassVar[int]
    t_high: float
    t_low: float
    resample_fraction: float
    reinforce_count: int
    reinforce_fraction: float
    halve_above_target: bool
    positive_threshold: float
    controller: ControllerConfig
    def __init__(self, t_high: _Optional[float] = ..., t_low: _Optional[float] = ..., resample_fraction: _Optional[float] = ..., reinforce_count: _Optional[int] = ..., reinforce_fraction: _Optional[float] = ..., halve_above_target: _Optional[bool] = ..., positive_threshold: _Optional[float] = ..., controller: _Optional[_Union[ControllerConfig, _Mapping]] = ...) -> None: ...

class ControllerConfig(_message.Message):
    __slots__ = ("kind", "variable", "proportional_gain", "integral_gain", "entropy_coef_gain", "entropy_coef_max_step", "entropy_coef_limit", "entropy_coef_deadband")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    PROPORTIONAL_GAIN_FIELD_NUMBER: _ClassVar[int]
    INTEGRAL_GAIN_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_GAIN_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_MAX_STEP_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_LIMIT_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_DEADBAND_FIELD_NUMBER: _ClassVar[int]
    kind: ControllerKind
    variable: ControlVariable
    proportional_gain: float
    integral_gain: float
    entropy_coef_gain: float
    entropy_coef_max_step: float
    entropy_coef_limit: float
    entropy_coef_deadband: float
    def __init__(self, kind: _Optional[_Union[ControllerKind, str]] = ..., variable: _Optional[_Union[ControlVariable, str]] = ..., proportional_gain: _Optional[float] = ..., integral_gain: _Optional[float] = ..., entropy_coef_gain: _Optional[float] = ..., entropy_coef_max_step: _Optional[float] = ..., entropy_coef_limit: _Optional[float] = ..., entropy_coef_deadband: _Optional[float] = ...) -> None: ...

class RolloutConfig(_message.Message):
    __slots__ = ("prompts_per_step", "samples_per_prompt", "max_tokens", "top_p", "temperature", "stop")
    PROMPTS_PER_STEP_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_PROMPT_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    prompts_per_step: int
    samples_per_prompt: int
    max_tokens: int
    top_p: float
    temperature: float
    stop: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, prompts_per_step: _Optional[int] = ..., samples_per_prompt: _Optional[int] = ..., max_tokens: _Optional[int] = ..., top_p: _Optional[float] = ..., temperature: _Optional[float] = ..., stop: _Optional[_Iterable[str]] = ...) -> None: ...

class OptimizationConfig(_message.Message):
    __slots__ = ("learning_rate", "weight_decay", "grad_clip", "clip_ratio_low", "clip_ratio_high", "dual_clip", "loss_aggregation", "mini_batch_prompts", "epochs_per_rollout", "kl_coef", "max_steps", "seed", "adam_beta1", "adam_beta2", "adam_eps")
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GRAD_CLIP_FIELD_NUMBER: _ClassVar[int]
    CLIP_RATIO_LOW_FIELD_NUMBER: _ClassVar[int]
    CLIP_RATIO_HIGH_FIELD_NUMBER: _ClassVar[int]
    DUAL_CLIP_FIELD_NUMBER: _ClassVar[int]
    LOSS_AGGREGATION_FIELD_NUMBER: _ClassVar[int]
    MINI_BATCH_PROMPTS_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_PER_ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    KL_COEF_FIELD_NUMBER: _ClassVar[int]
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    ADAM_BETA1_FIELD_NUMBER: _ClassVar[int]
    ADAM_BETA2_FIELD_NUMBER: _ClassVar[int]
    ADAM_EPS_FIELD_NUMBER: _ClassVar[int]
    learning_rate: float
    weight_decay: float
    grad_clip: float
    clip_ratio_low: float
    clip_ratio_high: float
    dual_clip: float
    loss_aggregation: LossAggregation
    mini_batch_prompts: int
    epochs_per_rollout: int
    kl_coef: float
    max_steps: int
    seed: int
    adam_beta1: float
    adam_beta2: float
    adam_eps: float
    def __init__(self, learning_rate: _Optional[float] = ..., weight_decay: _Optional[float] = ..., grad_clip: _Optional[float] = ..., clip_ratio_low: _Optional[float] = ..., clip_ratio_high: _Optional[float] = ..., dual_clip: _Optional[float] = ..., loss_aggregation: _Optional[_Union[LossAggregation, str]] = ..., mini_batch_prompts: _Optional[int] = ..., epochs_per_rollout: _Optional[int] = ..., kl_coef: _Optional[float] = ..., max_steps: _Optional[int] = ..., seed: _Optional[int] = ..., adam_beta1: _Optional[float] = ..., adam_beta2: _Optional[float] = ..., adam_eps: _Optional[float] = ...) -> None: ...

class EntropyRegConfig(_message.Message):
    __slots__ = ("coef",)
    COEF_FIELD_NUMBER: _ClassVar[int]
    coef: float
    def __init__(self, coef: _Optional[float] = ...) -> None: ...

class EntropyAdvConfig(_message.Message):
    __slots__ = ("alpha", "kappa")
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    KAPPA_FIELD_NUMBER: _ClassVar[int]
    alpha: float
    kappa: float
    def __init__(self, alpha: _Optional[float] = ..., kappa: _Optional[float] = ...) -> None: ...

class GraderSpec(_message.Message):
    __slots__ = ("math", "exact", "numeric", "regex", "format", "weighted")
    MATH_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_FIELD_NUMBER: _ClassVar[int]
    REGEX_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    math: MathGrader
    exact: ExactGrader
    numeric: NumericGrader
    regex: RegexGrader
    format: FormatGrader
    weighted: WeightedGrader
    def __init__(self, math: _Optional[_Union[MathGrader, _Mapping]] = ..., exact: _Optional[_Union[ExactGrader, _Mapping]] = ..., numeric: _Optional[_Union[NumericGrader, _Mapping]] = ..., regex: _Optional[_Union[RegexGrader, _Mapping]] = ..., format: _Optional[_Union[FormatGrader, _Mapping]] = ..., weighted: _Optional[_Union[WeightedGrader, _Mapping]] = ...) -> None: ...

class MathGrader(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExactGrader(_message.Message):
    __slots__ = ("case_sensitive",)
    CASE_SENSITIVE_FIELD_NUMBER: _ClassVar[int]
    case_sensitive: bool
    def __init__(self, case_sensitive: _Optional[bool] = ...) -> None: ...

class NumericGrader(_message.Message):
    __slots__ = ("rel_tol", "abs_tol")
    REL_TOL_FIELD_NUMBER: _ClassVar[int]
    ABS_TOL_FIELD_NUMBER: _ClassVar[int]
    rel_tol: float
    abs_tol: float
    def __init__(self, rel_tol: _Optional[float] = ..., abs_tol: _Optional[float] = ...) -> None: ...

class RegexGrader(_message.Message):
    __slots__ = ("pattern",)
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    pattern: str
    def __init__(self, pattern: _Optional[str] = ...) -> None: ...

class FormatGrader(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WeightedGrader(_message.Message):
    __slots__ = ("parts",)
    PARTS_FIELD_NUMBER: _ClassVar[int]
    parts: _containers.RepeatedCompositeFieldContainer[WeightedGraderPart]
    def __init__(self, parts: _Optional[_Iterable[_Union[WeightedGraderPart, _Mapping]]] = ...) -> None: ...

class WeightedGraderPart(_message.Message):
    __slots__ = ("weight", "grader")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    GRADER_FIELD_NUMBER: _ClassVar[int]
    weight: float
    grader: GraderSpec
    def __init__(self, weight: _Optional[float] = ..., grader: _Optional[_Union[GraderSpec, _Mapping]] = ...) -> None: ...

class ValidationConfig(_message.Message):
    __slots__ = ("every_n_steps", "temperature", "k", "max_prompts")
    EVERY_N_STEPS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPTS_FIELD_NUMBER: _ClassVar[int]
    every_n_steps: int
    temperature: float
    k: int
    max_prompts: int
    def __init__(self, every_n_steps: _Optional[int] = ..., temperature: _Optional[float] = ..., k: _Optional[int] = ..., max_prompts: _Optional[int] = ...) -> None: ...

class CheckpointConfig(_message.Message):
    __slots__ = ("every_n_steps", "keep_last")
    EVERY_N_STEPS_FIELD_NUMBER: _ClassVar[int]
    KEEP_LAST_FIELD_NUMBER: _ClassVar[int]
    every_n_steps: int
    keep_last: int
    def __init__(self, every_n_steps: _Optional[int] = ..., keep_last: _Optional[int] = ...) -> None: ...
