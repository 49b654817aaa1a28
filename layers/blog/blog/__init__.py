"""The blog's shared package: models, rules, content rendering, data access and HTTP helpers.

It ships as the Lambda layer `BlogLayer` and lands at /opt/python/blog. Every function imports only
the modules it needs, because import time is cold-start time.
"""
