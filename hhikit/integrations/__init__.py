"""Adapters to other libraries, each an optional import (a clear message when missing)."""
