"""Authentication and authorisation on the web side: session and bearer-token middleware,
the `/api/v1/auth/*` endpoints, level guards, rate limits and security headers."""
