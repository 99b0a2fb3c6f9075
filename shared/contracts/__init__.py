"""The published contracts: the events each service publishes, their topics and versions, and nothing else.

Services import these (and `shared/`), never each other: a subscriber needs only this package and pydantic.
JSON Schemas (`docs/events/`) and AsyncAPI documents (`docs/asyncapi/`) are generated from them.
"""
