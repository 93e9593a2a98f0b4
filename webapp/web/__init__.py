"""The Flask web app: ``create_app`` (in :mod:`webapp.web.app`), the request's database
(:mod:`webapp.web.db`), one blueprint per area, templates, static assets and translations."""
