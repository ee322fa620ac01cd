"""The small part of OData query syntax the fake Graph understands.

$filter: one or more `property eq literal` clauses joined by `and`, where a
literal is a single-quoted string (a quote inside is doubled: 'O''Brien'),
true, false, null or an integer. Anything else is a 400, as Graph answers
for filters it cannot parse. $select: a comma-separated list of property
names, checked against the resource's properties.
"""

import re

_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_./$]*|-?[0-9]+")


class QueryError(Exception):
    pass


def _tokens(text):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "'":
            j, chars = i + 1, []
            while True:
                if j >= n:
                    raise QueryError(
                        "Invalid filter clause: unterminated string literal "
                        "at position %d in '%s'." % (i, text))
                if text[j] == "'":
                    if j + 1 < n and text[j + 1] == "'":
                        chars.append("'")
                        j += 2
                        continue
                    break
                chars.append(text[j])
                j += 1
            yield ("string", "".join(chars))
            i = j + 1
            continue
        m = _WORD.match(text, i)
        if not m:
            raise QueryError(
                "Invalid filter clause: syntax error at position %d in '%s'."
                % (i, text))
        yield ("word", m.group(0))
        i = m.end()


def parse_filter(text, properties):
    """Returns [(canonical property, value)] or raises QueryError.

    `properties` lists the filterable property names (case-insensitive).
    """
    canonical = {p.lower(): p for p in properties}
    tokens = list(_tokens(text))
    clauses, i = [], 0
    while True:
        if i + 3 > len(tokens):
            raise QueryError("Invalid filter clause: expected "
                             "'property eq value' in '%s'." % text)
        (kind, prop), (_, op), (lit_kind, lit) = tokens[i:i + 3]
        if kind != "word" or prop.lower() not in canonical:
            raise QueryError(
                "Invalid filter clause: Could not find a property named "
                "'%s'." % prop)
        if op.lower() != "eq":
            raise QueryError("Invalid filter clause: unsupported operator "
                             "'%s'." % op)
        if lit_kind == "string":
            value = lit
        elif lit.lower() in ("true", "false"):
            value = lit.lower() == "true"
        elif lit.lower() == "null":
            value = None
        elif re.fullmatch(r"-?[0-9]+", lit):
            value = int(lit)
        else:
            raise QueryError("Invalid filter clause: '%s' is not a literal."
                             % lit)
        clauses.append((canonical[prop.lower()], value))
        i += 3
        if i == len(tokens):
            return clauses
        if tokens[i][0] != "word" or tokens[i][1].lower() != "and":
            raise QueryError("Invalid filter clause: expected 'and' after "
                             "a clause in '%s'." % text)
        i += 1


def matches(props, clauses):
    """Whether a resource's property dict satisfies every clause.

    Strings compare without regard to case, as Exchange and the directory
    do for eq.
    """
    for prop, value in clauses:
        actual = props.get(prop)
        if isinstance(actual, str) and isinstance(value, str):
            if actual.lower() != value.lower():
                return False
        elif actual != value:
            return False
    return True


def parse_select(text, properties, type_name):
    """Returns the selected canonical names, or raises QueryError."""
    canonical = {p.lower(): p for p in properties}
    selected = []
    for name in text.split(","):
        name = name.strip()
        if not name:
            continue
        if name.lower() not in canonical:
            raise QueryError("Could not find a property named '%s' on type "
                             "'%s'." % (name, type_name))
        if canonical[name.lower()] not in selected:
            selected.append(canonical[name.lower()])
    return selected


def parse_top(text, default, maximum):
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise QueryError("Invalid value '%s' for $top query option." % text)
    return max(1, min(int(text), maximum))


def parse_skip(text):
    if text is None:
        return 0
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise QueryError("Invalid value '%s' for $skip query option." % text)
    return int(text)
