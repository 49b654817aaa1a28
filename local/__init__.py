"""Run the blog on a laptop without AWS and without Docker (`python -m local serve`)."""
