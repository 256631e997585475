"""What drf-spectacular cannot infer: how the API authenticates (an API key as a bearer token). Imported by the
app's ready() so the extension registers before any schema is made."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "API key (bp_…)",
            "description": "An API key made on the portal's API keys page: `Authorization: Bearer bp_…`.",
        }
