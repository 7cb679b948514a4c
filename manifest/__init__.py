"""Blend's Teams app package: manifest template, icons and the packaging command."""
