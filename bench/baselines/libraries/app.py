"""Information baseline for cold import: the hello world plus the libraries the status handler cannot do without,
imported and nothing of ours. pydantic (the routes' validation), requests (Midtrans), Powertools' feature flags (which
import boto3 and its parameter providers) and its OpenAPI validation. Its ratio to the hello world is the floor any
handler built on these libraries starts from; ours minus this is what our own modules cost (docs/decisions.md D30).
Like ours, the collector is off during init. Never deployed; `make bench` imports it."""

import gc

gc.disable()

import boto3  # noqa: E402, F401
import pydantic._internal._generate_schema  # noqa: E402, F401  (what the first model class imports)
import requests  # noqa: E402, F401
from aws_lambda_powertools.event_handler.middlewares import openapi_validation  # noqa: E402, F401
from aws_lambda_powertools.event_handler.openapi import compat, params  # noqa: E402, F401
from aws_lambda_powertools.utilities.feature_flags import FeatureFlags  # noqa: E402, F401
from pydantic import BaseModel, BeforeValidator, Field, SecretStr, StringConstraints, TypeAdapter  # noqa: E402, F401

from bench.baselines.hello import app  # noqa: E402, F401

gc.freeze()
gc.enable()
