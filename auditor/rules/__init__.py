"""The rule catalogue: one module per concern; each rule registered with its documentation."""
