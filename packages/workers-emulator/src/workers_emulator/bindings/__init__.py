"""The emulated bindings, one module or package per binding kind."""
