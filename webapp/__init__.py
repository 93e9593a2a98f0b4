"""The Flask web app (self-assessment, review, recognition, dashboards): not built yet."""
