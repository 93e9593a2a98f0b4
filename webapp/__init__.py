"""Storage, workflow and the Flask web app.

Storage and workflow (``db``, ``units``, ``rounds``, ``workflow``, ``audit``, ``transfer``,
``attachments``, ``accounts``) import no Flask; ``create_app`` in ``app`` builds the web app
with one blueprint per area (``auth``, ``commune``, ``review``, ``decisions``,
``dashboard``, ``admin``, ``documents``, ``api``).
"""
