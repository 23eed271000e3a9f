"""Validation of a trial folder against the data contract (``data_schemas/``).

The rules come from the schema files: the Table Schemas of the tables and the
JSON Schema of ``trial.toml``; this package applies them, vectorised, and
collects every problem into one :class:`ValidationReport`.
"""

from trustexp.validation._report import Problem, ValidationReport
from trustexp.validation._run import validate

__all__ = ["Problem", "ValidationReport", "validate"]
