"""PDF certificates, recognition decisions and evaluation reports: not built yet."""
