"""The allowed values of every option, in one place: ``Literal`` types and their tuples.

A parameter checked at run time (in ``trial.toml``, the Python API and the
command line alike) takes its allowed values from the tuple next to its type,
so that the type, the check and the message can never disagree.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ADJUSTMENTS",
    "ARM_KINDS",
    "CLUSTER_SE_TYPES",
    "LANGUAGES",
    "MULTIPLE_TESTING",
    "OUTCOME_SOURCES",
    "POOLED",
    "OUTCOME_TYPES",
    "SE_TYPES",
    "TABLES",
    "Adjustment",
    "ArmKind",
    "Language",
    "MultipleTesting",
    "OutcomeSource",
    "OutcomeType",
    "SeType",
]

ArmKind = Literal[
    "control", "exemption", "extra_earnings", "intensive_guidance", "combined", "other", "reference"
]
OutcomeType = Literal["continuous", "binary", "count", "duration"]
OutcomeSource = Literal["participants", "monthly", "survey"]
Adjustment = Literal["additive", "lin"]
SeType = Literal["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"]
MultipleTesting = Literal["holm", "bh", "romano-wolf", "none"]
Language = Literal["nl", "en"]

ARM_KINDS: tuple[ArmKind, ...] = get_args(ArmKind)
OUTCOME_TYPES: tuple[OutcomeType, ...] = get_args(OutcomeType)
OUTCOME_SOURCES: tuple[OutcomeSource, ...] = get_args(OutcomeSource)
ADJUSTMENTS: tuple[Adjustment, ...] = get_args(Adjustment)
SE_TYPES: tuple[SeType, ...] = get_args(SeType)
CLUSTER_SE_TYPES: tuple[SeType, ...] = ("CR0", "CR1", "CR2")
MULTIPLE_TESTING: tuple[MultipleTesting, ...] = get_args(MultipleTesting)
LANGUAGES: tuple[Language, ...] = get_args(Language)

#: The ``site`` of the pooled analysis, in every frame and record.
POOLED = "all"

#: The tables of a trial folder besides ``trial.toml``, in the contract's order.
TABLES: tuple[str, ...] = ("participants", "monthly", "survey", "takeup")
