"""The Logger and Metrics every function shares (Powertools reads their settings from the
POWERTOOLS_* variables of template.yaml)."""

import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()

# Most requests of the reading functions publish no metric of their own; Powertools would warn
# about each such invocation in the logs.
warnings.filterwarnings("ignore", message="No application metrics to publish")
