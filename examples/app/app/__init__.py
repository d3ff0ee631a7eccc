"""The sample web service slipway's application pipeline builds, migrates and deploys.

``python -m app`` serves HTTP; ``python -m app migrate`` applies the schema migrations (the
one-off task ecs-deploy runs before the service is updated).
"""
