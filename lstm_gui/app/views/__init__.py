"""The window's views: each a dock's content that draws the run's snapshots."""
