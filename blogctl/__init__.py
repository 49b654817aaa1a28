"""blogctl, the operator's command line: administer a deployed (or the local) blog over its API."""
