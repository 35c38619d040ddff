"""The planner: a budget, a use case and traffic in; a recommended tier with reasons out."""
