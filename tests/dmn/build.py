"""Small DMN 1.3 files for the tests, built from rows."""

from __future__ import annotations

from xml.sax.saxutils import escape

NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def table(decision: str, inputs: list[tuple[str, str]], outputs: list[tuple[str, str]], rules: list[list[str]],
          hit_policy: str = "UNIQUE", aggregation: str | None = None, name: str | None = None,
          output_values: dict[str, str] | None = None) -> bytes:
    """inputs: (label, expression); outputs: (name, typeRef); rules: input entries then output entries."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    cols = "".join(f'<input id="in{i}" label="{escape(lbl)}"><inputExpression typeRef="Any"><text>{escape(e)}</text>'
                   f"</inputExpression></input>" for i, (lbl, e) in enumerate(inputs))
    outs = ""
    for i, (n, t) in enumerate(outputs):
        values = (output_values or {}).get(n)
        ov = f"<outputValues><text>{escape(values)}</text></outputValues>" if values else ""
        outs += f'<output id="out{i}" name="{n}" typeRef="{t}">{ov}</output>'
    body = ""
    for r, row in enumerate(rules):
        ins = "".join(f"<inputEntry><text>{escape(x)}</text></inputEntry>" for x in row[:len(inputs)])
        os_ = "".join(f"<outputEntry><text>{escape(x)}</text></outputEntry>" for x in row[len(inputs):])
        body += f'<rule id="r{r + 1}">{ins}{os_}</rule>'
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{NS}" id="defs_{decision}" name="{decision}"'
            f' namespace="http://example.com/dmn">\n<decision id="{decision}" name="{name or decision}">'
            f'<decisionTable id="t_{decision}" hitPolicy="{hit_policy}"{agg}>{cols}{outs}{body}</decisionTable>'
            f"</decision>\n</definitions>\n").encode()


def literal(decision: str, text: str, name: str | None = None) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{NS}" id="defs_{decision}" name="{decision}"'
            f' namespace="http://example.com/dmn">\n<decision id="{decision}" name="{name or decision}">'
            f"<literalExpression><text>{escape(text)}</text></literalExpression></decision>\n</definitions>\n"
            ).encode()
