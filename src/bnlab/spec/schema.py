"""The config schema (bnlab/schemas/config.schema.yaml) applied: every
violation as one sentence naming the key, and the defaults filled in."""

import copy
import math

import jsonschema

from bnlab.errors import BnlabError

WHERE = "Edit config/config.yaml (every key is described in bnlab/schemas/config.schema.yaml)."


def key_of(path):
    return ".".join(str(p) for p in path) or "<top level>"


_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "greater than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}
# One sentence per JSON-schema rule: {key}, {value} and the rule's {limit}.
_MESSAGES = {
    "required": "'{key}' is missing a required key: {message}",
    "enum": "{key} = {value!r} is not allowed; choose one of {limit}",
    "type": "{key} = {value!r} has the wrong type; expected {limit}",
    "uniqueItems": "{key} = {value!r} has duplicate entries; each must appear once",
    "minItems": "{key} is empty or too short; give at least {limit} item(s)",
    "minProperties": "{key} is empty; give at least {limit} entry",
    "pattern": "{key} = {value!r} is not a valid name (expected {limit})",
    **{
        rule: "{key} = {value!r} is out of range; it must be " + words + " {limit}"
        for rule, words in _BOUNDS.items()
    },
}


def describe(error):
    """One sentence for a schema violation: the key, its value, what is allowed."""
    key, value = key_of(error.absolute_path), error.instance
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        extra = sorted(set(value) - set(known))
        return f"unknown key {extra} under '{key}'; allowed keys are: {', '.join(sorted(known))}"
    template = _MESSAGES.get(error.validator, "{key} = {value!r}: {message}")
    return template.format(key=key, value=value, limit=error.validator_value, message=error.message)


def raise_first(schema, value, path=()):
    """Raise BnlabError for the outermost violation of `schema` by `value`
    (found at `path` of the config), if any."""
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(value),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        errors[0].path.extendleft(reversed(path))
        raise BnlabError(f"invalid config: {describe(errors[0])}. {WHERE}")


def fail(key, value, allowed):
    raise BnlabError(
        f"invalid config: {key} = {value!r} is out of range; allowed: {allowed}. {WHERE}"
    )


def fill_defaults(config, schema, root=None):
    """Every key the schema gives a default that `config` leaves out, in place."""
    root = root or schema
    for name, sub in schema.get("properties", {}).items():
        sub = resolve(sub, root)
        if name not in config and "default" in sub:
            config[name] = copy.deepcopy(sub["default"])
        if isinstance(config.get(name), dict) and sub.get("type") == "object":
            fill_defaults(config[name], sub, root)


def resolve(sub, root):
    """A sub-schema with its local reference ("#/$defs/<name>") followed."""
    return root["$defs"][sub["$ref"].rsplit("/", 1)[-1]] if "$ref" in sub else sub


def nonfinite(value, path=()):
    """The first NaN or infinite number anywhere in `value`, as (path, number)."""
    if isinstance(value, float) and not math.isfinite(value):
        return path, value
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            found = nonfinite(child, (*path, key))
            if found:
                return found
    return None
