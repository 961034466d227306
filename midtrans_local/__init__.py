"""Local, Docker-free stack: the API from template.yaml on moto, a Midtrans simulator and dev JWTs."""
