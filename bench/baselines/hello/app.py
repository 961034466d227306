"""Baseline for cold import: the Powertools hello world, as SAM's `hello-pt` template ships it, on the HTTP API
resolver (ours is an HTTP API) with our decorator stack. Never deployed; `make bench` imports it."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()
tracer = Tracer()
logger = Logger()
metrics = Metrics()


@app.get("/hello")
@tracer.capture_method
def hello() -> dict[str, str]:
    metrics.add_metric(name="HelloWorldInvocations", unit=MetricUnit.Count, value=1)
    logger.info("Hello world API - HTTP 200")
    return {"message": "hello world"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
