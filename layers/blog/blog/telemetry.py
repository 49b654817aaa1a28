"""The Logger and Metrics every function shares (Powertools reads their settings from the
POWERTOOLS_* variables of template.yaml)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
