"""plantrack: district child-protection returns measured against the plan's targets."""

__version__ = "0.1.0"
