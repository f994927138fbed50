"""The engine that runs any `FlowSpec`: the session's state machine, the steps' runners, the user
agents, and the lab's tamper actions on a running flow.
"""
