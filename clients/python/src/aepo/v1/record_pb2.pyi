import datetime

from aepo.v1 import job_state_pb2 as _job_state_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_EVENT_TYPE_UNSPECIFIED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_CREATED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_STATE_CHANGED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_CANCEL_REQUESTED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_PAUSE_REQUESTED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_PAUSE_WITHDRAWN: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_TARGET_UPDATED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_LEASED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_LEASE_EXPIRED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_LEASE_RELEASED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_CHECKPOINT_SAVED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_TARGET_UNREACHABLE: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_RECORDS_SUPERSEDED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_ENGINE_RESTARTED: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_TRACKING_UNAVAILABLE: _ClassVar[JobEventType]
    JOB_EVENT_TYPE_TRACKING_RECOVERED: _ClassVar[JobEventType]
JOB_EVENT_TYPE_UNSPECIFIED: JobEventType
JOB_EVENT_TYPE_CREATED: JobEventType
JOB_EVENT_TYPE_STATE_CHANGED: JobEventType
JOB_EVENT_TYPE_CANCEL_REQUESTED: JobEventType
JOB_EVENT_TYPE_PAUSE_REQUESTED: JobEventType
JOB_EVENT_TYPE_PAUSE_WITHDRAWN: JobEventType
JOB_EVENT_TYPE_TARGET_UPDATED: JobEventType
JOB_EVENT_TYPE_LEASED: JobEventType
JOB_EVENT_TYPE_LEASE_EXPIRED: JobEventType
JOB_EVENT_TYPE_LEASE_RELEASED: JobEventType
JOB_EVENT_TYPE_CHECKPOINT_SAVED: JobEventType
JOB_EVENT_TYPE_TARGET_UNREACHABLE: JobEventType
JOB_EVENT_TYPE_RECORDS_SUPERSEDED: JobEventType
JOB_EVENT_TYPE_ENGINE_RESTARTED: JobEventType
JOB_EVENT_TYPE_TRACKING_UNAVAILABLE: JobEventType
JOB_EVENT_TYPE_TRACKING_RECOVERED: JobEventType

class StepRecord(_message.Message):
    __slots__ = ("step", "create_time", "attempt", "entropy", "entropy_sampled", "entropy_target", "entropy_target_lower", "entropy_target_upper", "temperature", "reinforce_count", "reinforce_candidates", "reward_mean", "reward_std", "accuracy", "zero_variance_group_fraction", "response_length_mean", "loss", "clip_fraction", "dual_clip_fraction", "kl", "grad_norm", "generated_tokens", "trained_tokens", "sample_seconds", "reward_seconds", "train_seconds", "checkpoint_seconds", "step_seconds", "target_unreachable", "learning_rate", "non_finite_updates", "controller_error", "reinforce_share_scale", "entropy_coef", "entropy_closing", "unreachable_reason", "approx_kl")
    STEP_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_SAMPLED_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_LOWER_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_UPPER_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    REINFORCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    REINFORCE_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    REWARD_MEAN_FIELD_NUMBER: _ClassVar[int]
    REWARD_STD_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    ZERO_VARIANCE_GROUP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_LENGTH_MEAN_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    CLIP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    DUAL_CLIP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    KL_FIELD_NUMBER: _ClassVar[int]
    GRAD_NORM_FIELD_NUMBER: _ClassVar[int]
    GENERATED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TRAINED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REWARD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TARGET_UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    NON_FINITE_UPDATES_FIELD_NUMBER: _ClassVar[int]
    CONTROLLER_ERROR_FIELD_NUMBER: _ClassVar[int]
    REINFORCE_SHARE_SCALE_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_COEF_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_CLOSING_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_REASON_FIELD_NUMBER: _ClassVar[int]
    APPROX_KL_FIELD_NUMBER: _ClassVar[int]
    step: int
    create_time: _timestamp_pb2.Timestamp
    attempt: int
    entropy: float
    entropy_sampled: float
    entropy_target: float
    entropy_target_lower: float
    entropy_target_upper: float
    temperature: float
    reinforce_count: int
    reinforce_candidates: int
    reward_mean: float
    reward_std: float
    accuracy: float
    zero_variance_group_fraction: float
    response_length_mean: float
    loss: float
    clip_fraction: float
    dual_clip_fraction: float
    kl: float
    grad_norm: float
    generated_tokens: int
    trained_tokens: int
    sample_seconds: float
    reward_seconds: float
    train_seconds: float
    checkpoint_seconds: float
    step_seconds: float
    target_unreachable: bool
    learning_rate: float
    non_finite_updates: int
    controller_error: float
    reinforce_share_scale: float
    entropy_coef: float
    entropy_closing: bool
    unreachable_reason: str
    approx_kl: float
    def __init__(self, step: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempt: _Optional[int] = ..., entropy: _Optional[float] = ..., entropy_sampled: _Optional[float] = ..., entropy_target: _Optional[float] = ..., entropy_target_lower: _Optional[float] = ..., entropy_target_upper: _Optional[float] = ..., temperature: _Optional[float] = ..., reinforce_count: _Optional[int] = ..., reinforce_candidates: _Optional[int] = ..., reward_mean: _Optional[float] = ..., reward_std: _Optional[float] = ..., accuracy: _Optional[float] = ..., zero_variance_group_fraction: _Optional[float] = ..., response_length_mean: _Optional[float] = ..., loss: _Optional[float] = ..., clip_fraction: _Optional[float] = ..., dual_clip_fraction: _Optional[float] = ..., kl: _Optional[float] = ..., grad_norm: _Optional[float] = ..., generated_tokens: _Optional[int] = ..., trained_tokens: _Optional[int] = ..., sample_seconds: _Optional[float] = ..., reward_seconds: _Optional[float] = ..., train_seconds: _Optional[float] = ..., checkpoint_seconds: _Optional[float] = ..., step_seconds: _Optional[float] = ..., target_unreachable: _Optional[bool] = ..., learning_rate: _Optional[float] = ..., non_finite_updates: _Optional[int] = ..., controller_error: _Optional[float] = ..., reinforce_share_scale: _Optional[float] = ..., entropy_coef: _Optional[float] = ..., entropy_closing: _Optional[bool] = ..., unreachable_reason: _Optional[str] = ..., approx_kl: _Optional[float] = ...) -> None: ...

class EvaluationRecord(_message.Message):
    __slots__ = ("step", "create_time", "attempt", "accuracy", "pass_at_k", "k", "temperature", "prompt_count", "reward_mean", "entropy")
    STEP_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    PASS_AT_K_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REWARD_MEAN_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    step: int
    create_time: _timestamp_pb2.Timestamp
    attempt: int
    accuracy: float
    pass_at_k: float
    k: int
    temperature: float
    prompt_count: int
    reward_mean: float
    entropy: float
    def __init__(self, step: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempt: _Optional[int] = ..., accuracy: _Optional[float] = ..., pass_at_k: _Optional[float] = ..., k: _Optional[int] = ..., temperature: _Optional[float] = ..., prompt_count: _Optional[int] = ..., reward_mean: _Optional[float] = ..., entropy: _Optional[float] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("sequence", "job", "create_time", "type", "from_state", "to_state", "attempt", "message", "entropy_target_revision")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_TARGET_REVISION_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    job: str
    create_time: _timestamp_pb2.Timestamp
    type: JobEventType
    from_state: _job_state_pb2.JobState
    to_state: _job_state_pb2.JobState
    attempt: int
    message: str
    entropy_target_revision: int
    def __init__(self, sequence: _Optional[int] = ..., job: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[JobEventType, str]] = ..., from_state: _Optional[_Union[_job_state_pb2.JobState, str]] = ..., to_state: _Optional[_Union[_job_state_pb2.JobState, str]] = ..., attempt: _Optional[int] = ..., message: _Optional[str] = ..., entropy_target_revision: _Optional[int] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("name", "step", "create_time", "uri", "entropy", "in_band", "reward_mean", "validation_accuracy", "attempt", "size_bytes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    IN_BAND_FIELD_NUMBER: _ClassVar[int]
    REWARD_MEAN_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    step: int
    create_time: _timestamp_pb2.Timestamp
    uri: str
    entropy: float
    in_band: bool
    reward_mean: float
    validation_accuracy: float
    attempt: int
    size_bytes: int
    def __init__(self, name: _Optional[str] = ..., step: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uri: _Optional[str] = ..., entropy: _Optional[float] = ..., in_band: _Optional[bool] = ..., reward_mean: _Optional[float] = ..., validation_accuracy: _Optional[float] = ..., attempt: _Optional[int] = ..., size_bytes: _Optional[int] = ...) -> None: ...
