"""The dashboard's server: a REST + WebSocket API over the services, and the built React app."""
