"""engine.flows: flow definitions (the original n8n-like shape and our extensions), their
validation, the interpreter the FlowRun workflow runs, dispatch and triggers.
See README.md in this folder; the workflow itself is engine.workflows.flow_run."""
