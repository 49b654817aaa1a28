"""`make bench`: the figures of the blog's performance targets, measured on this machine.

Round trips per route, cold start against a floor, bytes per list page, the local API's overhead
over its DynamoDB call, the layer's size, and latency as the data grows. `python -m bench` prints a
table and writes bench/results.json; `--quick` runs every part on tiny sizes (the tests use it).
"""
