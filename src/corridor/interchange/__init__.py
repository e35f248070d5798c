"""Interchange with analysts' tools: GTFS feeds out and in, GeoJSON / GeoPackage networks and
GraphML graphs. Each format lives in its own module; nothing here is imported by the planner
or the engine."""
