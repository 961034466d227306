"""Midtrans native actions for the AI Agent: the shared Lambda layer.

Mounted by Lambda at /opt/python/midtrans_native; installed editable for tests, so both import it
the same way. Only `midtrans/` and `stores/` talk to the outside world; `actions/` hold the logic.
"""
