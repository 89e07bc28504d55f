"""The interactive app: move a scenario's levers in the browser and see its runs against the baseline.

``carbonloop app`` starts it; ``serve.running(folder)`` serves it from Python. See docs/app.md.
"""
