"""The lab: a local web app whose every number comes from the engine through the JSON API."""
