"""The Chrome Trace Event format's rules, as the tests of asynclab.view.trace check a trace
against them (the unit tests on recorded runs, the integration test on a real one)."""

import json

#: The fields every event of a phase must carry (Trace Event Format, "JSON Object Format").
REQUIRED = {
    "X": {"name", "ph", "ts", "dur", "pid", "tid"},
    "b": {"name", "cat", "ph", "ts", "pid", "tid", "id"},
    "e": {"name", "cat", "ph", "ts", "pid", "tid", "id"},
    "M": {"name", "ph", "pid", "args"},
}
METADATA = {"process_name", "process_sort_index", "thread_name"}


def validate(trace: dict) -> list[dict]:
    """Check a trace against the format's rules; return its events."""
    json.loads(json.dumps(trace))  # plain JSON
    assert set(trace) >= {"traceEvents"} and trace.get("displayTimeUnit") in {"ms", "ns"}
    events = trace["traceEvents"]
    open_spans: dict[tuple, dict] = {}
    for event in events:
        assert event["ph"] in REQUIRED, event
        assert REQUIRED[event["ph"]] <= set(event), event
        if event["ph"] == "M":
            assert event["name"] in METADATA
            continue
        assert isinstance(event["ts"], int) and event["ts"] >= 0, event
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        if event["ph"] == "X":
            assert isinstance(event["dur"], int) and event["dur"] >= 0
        key = (event.get("cat"), event.get("id"), event["pid"])
        if event["ph"] == "b":
            assert key not in open_spans, f"span {key} begun twice"
            open_spans[key] = event
        elif event["ph"] == "e":
            begun = open_spans.pop(key, None)
            assert begun is not None, f"span {key} ends without a beginning"
            assert event["ts"] >= begun["ts"] and event["name"] == begun["name"]
    assert not open_spans, f"spans never ended: {list(open_spans)}"
    return events


def spans(events) -> dict[str, tuple[dict, dict]]:
    begins = {e["id"]: e for e in events if e["ph"] == "b"}
    return {e["id"]: (begins[e["id"]], e) for e in events if e["ph"] == "e"}
